package io.sluice.statemachine.engine;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import java.util.Objects;
import java.util.Optional;
import org.bson.BsonDocument;
import org.bson.BsonNull;
import org.bson.BsonValue;

/**
 * A compiled MongoDB aggregation expression, evaluated against one document ({@code $$ROOT}).
 *
 * <p>Supported: literals; expression objects (each value an expression; fields whose value is missing
 * are left out) and arrays (a missing element becomes null); field paths {@code "$a.b"} with MongoDB's
 * array traversal (a path through an array of documents gives the array of the sub-values); the
 * variables {@code $$ROOT}, {@code $$CURRENT}, {@code $$REMOVE} and user variables bound by
 * {@code $map}, {@code $filter}, {@code $reduce} and {@code $let}; and the operators registered in
 * {@link ExpressionOperators} (comparison, boolean, conditional, arithmetic, string, array and
 * object operators, {@code $literal}, {@code $getField}, {@code $type}). {@code $$NOW} and
 * {@code $$CLUSTER_TIME} are refused: the engine is deterministic.
 *
 * <p>Deviations from MongoDB, on purpose:
 * <ul>
 *   <li>{@code $map} and {@code $filter} accept a <em>document</em> as {@code input} and iterate it
 *       as {@code $objectToArray} would (each element {@code {k, v}}), where MongoDB fails. Users copy
 *       change-stream pipelines that map over {@code updateDescription.updatedFields}, which is a
 *       document; so {@code {$anyElementTrue: {$map: {input: <document>, ...}}}} works too.</li>
 *   <li>{@code $toString} also converts a Timestamp, to {@code "Timestamp(t, i)"}.</li>
 *   <li>{@code $regexMatch} uses {@code java.util.regex} (options i, m, s, x), not PCRE.</li>
 *   <li>{@code $toLower} and {@code $toUpper} change ASCII letters only (MongoDB defines no more).</li>
 *   <li>A double is turned into a string with the shortest digits that round-trip, switching to
 *       exponent form below 1e-4 and from 1e16 (as MongoDB's {@code $toString} does).</li>
 * </ul>
 *
 * <p>Errors are {@link SluiceException}s: INVALID_PIPELINE_OPERATOR for an unknown {@code $operator},
 * BAD_VALUE for malformed arguments (at compile time) and for bad argument values, TYPE_MISMATCH for
 * values of the wrong type met while evaluating. Instances are immutable and thread-safe.
 */
public final class Expression {
  private final Evaluator root;

  private Expression(Evaluator root) {
    this.root = root;
  }

  /** Compiles an expression; the spec is copied where kept, so later changes to it do not matter. */
  public static Expression compile(BsonValue spec) {
    Objects.requireNonNull(spec, "spec");
    return new Expression(ExpressionParser.TOP_LEVEL.parse(spec));
  }

  /** The value of the expression, or empty if it is missing (e.g. a field path to a field that is not there). */
  public Optional<BsonValue> evaluateOptional(BsonDocument root) {
    BsonValue value = evaluateOrMissing(root);
    return value == null ? Optional.empty() : Optional.of(BsonValues.copy(value));
  }

  /** The value of the expression, with missing as {@code null}; never shares structure with {@code root}. */
  public BsonValue evaluate(BsonDocument root) {
    BsonValue value = evaluateOrMissing(root);
    return value == null ? BsonNull.VALUE : BsonValues.copy(value);
  }

  /** The value, {@code null} if missing, possibly sharing structure with {@code doc}: do not mutate it. */
  BsonValue evaluateOrMissing(BsonDocument doc) {
    return root.evaluate(Variables.of(doc));
  }

  /** A query matcher that holds where the expression is true ({@code $expr}). */
  Matcher matcher() {
    return doc -> ExpressionOperators.truthy(evaluateOrMissing(doc));
  }

  /** Thrown by operators for a value of the wrong type met while evaluating. */
  static SluiceException typeMismatch(String message) {
    return new SluiceException(ErrorCode.TYPE_MISMATCH, message);
  }

  /** Thrown by operators for malformed arguments or a bad argument value. */
  static SluiceException badValue(String message) {
    return new SluiceException(ErrorCode.BAD_VALUE, message);
  }
}
