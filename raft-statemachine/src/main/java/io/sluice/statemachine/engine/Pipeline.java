package io.sluice.statemachine.engine;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiFunction;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * A compiled aggregation pipeline of document-at-a-time stages, as a change stream allows them:
 * {@code $match} (a {@link Filter}, which also takes {@code $expr}), {@code $project},
 * {@code $addFields} and its alias {@code $set}, {@code $unset}, {@code $replaceRoot} and
 * {@code $replaceWith} (see {@link PipelineStages}). Expressions are {@link Expression}s.
 *
 * <p>Compiling throws UNRECOGNIZED_PIPELINE_STAGE for an unknown stage name, BAD_VALUE for a known
 * stage a change stream may not use (e.g. {@code $group}) and for malformed specs. Instances are
 * immutable and thread-safe; applying never mutates its input.
 */
public final class Pipeline {
  /** One compiled stage: the next document, or null if the stage drops it. Must not mutate its input. */
  @FunctionalInterface
  interface Stage {
    BsonDocument apply(BsonDocument doc);
  }

  private final List<Stage> stages;

  private Pipeline(List<Stage> stages) {
    this.stages = stages;
  }

  /** Compiles the {@code pipeline} array of a change stream; the array is copied where kept. */
  public static Pipeline compileForChangeStream(BsonArray stages) {
    return new Pipeline(compileEach(stages, PipelineStages::compileForChangeStream));
  }

  /**
   * Checks that each element of a {@code pipeline} array is an object of exactly one field, the stage
   * name, and compiles it with {@code compiler} (given a copy of the stage's spec).
   */
  static <S> List<S> compileEach(BsonArray stages, BiFunction<String, BsonValue, S> compiler) {
    Objects.requireNonNull(stages, "stages");
    List<S> compiled = new ArrayList<>();
    for (BsonValue element : stages) {
      if (!element.isDocument()) {
        throw new SluiceException(ErrorCode.BAD_VALUE, "Each element of the 'pipeline' array must be an object, found: "
            + BsonValues.typeName(element) + " " + BsonValues.render(element));
      }
      BsonDocument stage = element.asDocument();
      if (stage.size() != 1) {
        throw new SluiceException(ErrorCode.BAD_VALUE, "A pipeline stage specification object must contain exactly one "
            + "field, found " + stage.size() + ": " + BsonValues.render(stage));
      }
      compiled.add(compiler.apply(stage.getFirstKey(), BsonValues.copy(stage.get(stage.getFirstKey()))));
    }
    return List.copyOf(compiled);
  }

  /** Runs the stages in order: the resulting document (a new one), or empty if a {@code $match} dropped it. */
  public Optional<BsonDocument> apply(BsonDocument doc) {
    BsonDocument current = doc;
    for (Stage stage : stages) {
      current = stage.apply(current);
      if (current == null) {
        return Optional.empty();
      }
    }
    return Optional.of(current == doc ? BsonValues.copy(doc) : current);
  }
}
