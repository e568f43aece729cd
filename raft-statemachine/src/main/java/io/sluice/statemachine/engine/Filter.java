package io.sluice.statemachine.engine;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * A compiled MongoDB query filter. Top-level logical operators ({@code $and $or $nor}, and
 * {@code $comment}, and {@code $expr} with an aggregation {@link Expression}) live in {@link #TOP_LEVEL}; operators on a field live in {@link FieldOperators}.
 * Compiling copies what it keeps, so later changes to the filter document do not affect it.
 */
public final class Filter {
  /** Compiles the argument of a top-level {@code $operator}. */
  @FunctionalInterface
  interface TopLevelCompiler {
    Matcher compile(String operator, BsonValue argument);
  }

  /** Looked up by name only; its iteration order is never used. */
  private static final Map<String, TopLevelCompiler> TOP_LEVEL = Map.of(
      "$and", (op, arg) -> Matcher.and(clauses(op, arg)),
      "$or", (op, arg) -> Matcher.or(clauses(op, arg)),
      "$nor", (op, arg) -> Matcher.or(clauses(op, arg)).negate(),
      "$comment", (op, arg) -> Matcher.ALWAYS,
      "$expr", (op, arg) -> Expression.compile(arg).matcher());

  private static final Filter ALL = new Filter(Matcher.ALWAYS, null, Map.of());

  private final Matcher matcher;
  private final BsonValue idEquality;
  private final Map<String, List<KeyRanges.Range>> keyRanges;

  private Filter(Matcher matcher, BsonValue idEquality, Map<String, List<KeyRanges.Range>> keyRanges) {
    this.matcher = matcher;
    this.idEquality = idEquality;
    this.keyRanges = keyRanges;
  }

  /** Compiles a filter document; throws BAD_VALUE for unknown operators or malformed arguments. */
  public static Filter compile(BsonDocument filter) {
    if (filter.isEmpty()) {
      return ALL;
    }
    return new Filter(document(filter), findIdEquality(filter), KeyRanges.of(filter));
  }

  /** The filter that matches every document. */
  public static Filter all() {
    return ALL;
  }

  public boolean matches(BsonDocument doc) {
    return matcher.matches(doc);
  }

  /** True if a field's condition is operators ({@code {$gt: 1}}), false if it is a value to compare with (as {@code {$ref: ...}} is). */
  public static boolean isOperatorCondition(BsonValue condition) {
    return FieldOperators.isOperatorDocument(condition);
  }

  /**
   * The value the filter pins {@code _id} to by top-level equality ({@code {_id: v}} or
   * {@code {_id: {$eq: v}}} with a plain, non-regex, non-array v), for point lookups. Equality follows
   * {@link BsonOrder}, so 1, 1L and 1.0 all match: the lookup must use a key that treats them alike.
   * The filter may have other conditions, so a found document must still be checked with {@link #matches}.
   */
  public Optional<BsonValue> idEquality() {
    return Optional.ofNullable(idEquality);
  }

  /**
   * The ranges of values a matching document must have at {@code path}, if the filter says so in a
   * way an index on the path can look up ({@link KeyRanges}); the filter must still be applied.
   */
  public Optional<List<KeyRanges.Range>> keyRanges(String path) {
    return Optional.ofNullable(keyRanges.get(path));
  }

  private static Matcher document(BsonDocument filter) {
    List<Matcher> all = new ArrayList<>();
    for (Map.Entry<String, BsonValue> e : filter.entrySet()) {
      String name = e.getKey();
      if (name.startsWith("$")) {
        TopLevelCompiler compiler = TOP_LEVEL.get(name);
        if (compiler == null) {
          throw new SluiceException(ErrorCode.BAD_VALUE, "unknown top level operator: " + name);
        }
        all.add(compiler.compile(name, e.getValue()));
      } else {
        all.add(FieldOperators.field(name, BsonValues.copy(e.getValue())));
      }
    }
    return Matcher.and(all);
  }

  private static List<Matcher> clauses(String operator, BsonValue argument) {
    if (!argument.isArray() || argument.asArray().isEmpty()) {
      throw new SluiceException(ErrorCode.BAD_VALUE, operator + " must be a nonempty array, got " + BsonValues.render(argument));
    }
    List<Matcher> clauses = new ArrayList<>();
    for (BsonValue clause : argument.asArray()) {
      if (!clause.isDocument()) {
        throw new SluiceException(ErrorCode.BAD_VALUE, operator + " entries need to be full objects, got " + BsonValues.render(clause));
      }
      clauses.add(document(clause.asDocument()));
    }
    return clauses;
  }

  private static BsonValue findIdEquality(BsonDocument filter) {
    BsonValue value = filter.get("_id");
    if (value == null) {
      return null;
    }
    if (FieldOperators.isOperatorDocument(value)) {
      value = value.asDocument().get("$eq");
      if (value == null) {
        return null;
      }
    }
    if (value.isRegularExpression() || value.isArray()) {
      return null;
    }
    return BsonValues.copy(value);
  }
}
