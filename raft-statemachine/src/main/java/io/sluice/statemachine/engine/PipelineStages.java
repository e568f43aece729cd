package io.sluice.statemachine.engine;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonValue;

/**
 * The stages a change stream pipeline may use, registered by name ({@link #CHANGE_STREAM}), and the
 * names of the MongoDB stages it may not ({@link #NOT_PERMITTED}). Each compiled stage reads its
 * input without changing it and returns a new document that shares nothing with it (or the input
 * itself, unchanged, for {@code $match}).
 */
final class PipelineStages {
  private PipelineStages() {}

  @FunctionalInterface
  interface StageCompiler {
    Pipeline.Stage compile(String name, BsonValue spec);
  }

  /** Looked up by name only; its iteration order is never used. */
  private static final Map<String, StageCompiler> CHANGE_STREAM = Map.of(
      "$match", PipelineStages::match,
      "$project", ProjectStage::compile,
      "$addFields", PipelineStages::addFields,
      "$set", PipelineStages::addFields,
      "$unset", PipelineStages::unset,
      "$replaceRoot", PipelineStages::replaceRoot,
      "$replaceWith", PipelineStages::replaceWith);

  /** MongoDB stages that a change stream pipeline may not use (or, for {@code $redact}, that Sluice lacks). */
  private static final Set<String> NOT_PERMITTED = Set.of(
      "$bucket", "$bucketAuto", "$changeStream", "$changeStreamSplitLargeEvent", "$collStats", "$count", "$currentOp",
      "$densify", "$documents", "$facet", "$fill", "$geoNear", "$graphLookup", "$group", "$indexStats", "$limit",
      "$listLocalSessions", "$listSampledQueries", "$listSearchIndexes", "$listSessions", "$lookup", "$merge", "$out",
      "$planCacheStats", "$querySettings", "$redact", "$sample", "$search", "$searchMeta", "$setWindowFields",
      "$shardedDataDistribution", "$skip", "$sort", "$sortByCount", "$unionWith", "$unwind", "$vectorSearch");

  static Pipeline.Stage compileForChangeStream(String name, BsonValue spec) {
    Pipeline.Stage stage = documentStage(name, spec);
    if (stage != null) {
      return stage;
    }
    if (NOT_PERMITTED.contains(name)) {
      throw new SluiceException(ErrorCode.BAD_VALUE, name + " is not permitted in a $changeStream pipeline");
    }
    throw unrecognized(name);
  }

  /** The compiled document-at-a-time stage {@code name}, or null if it is not one. */
  static Pipeline.Stage documentStage(String name, BsonValue spec) {
    StageCompiler compiler = CHANGE_STREAM.get(name);
    return compiler == null ? null : compiler.compile(name, spec);
  }

  /** Whether {@code name} is a MongoDB stage (one Sluice may lack). */
  static boolean isKnown(String name) {
    return CHANGE_STREAM.containsKey(name) || NOT_PERMITTED.contains(name);
  }

  static SluiceException unrecognized(String name) {
    return new SluiceException(ErrorCode.UNRECOGNIZED_PIPELINE_STAGE, "Unrecognized pipeline stage name: '" + name + "'");
  }

  static BsonDocument document(String stage, BsonValue spec, String what) {
    if (!spec.isDocument()) {
      throw new SluiceException(ErrorCode.BAD_VALUE, stage + " " + what + ", found: " + BsonValues.typeName(spec) + " "
          + BsonValues.render(spec));
    }
    return spec.asDocument();
  }

  private static Pipeline.Stage match(String name, BsonValue spec) {
    Filter filter = Filter.compile(document(name, spec, "the match filter must be an expression in an object"));
    return doc -> filter.matches(UpdatedFieldsView.of(doc)) ? doc : null;
  }

  /**
   * Each output path gets its expression's value, all evaluated against the stage's input; dotted
   * paths set nested fields (through arrays, in each element); a missing value removes the field.
   */
  private static Pipeline.Stage addFields(String name, BsonValue spec) {
    List<ComputedFields.Field> fields = ComputedFields.flatten(name, document(name, spec, "specification must be an object"), false);
    if (fields.isEmpty()) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "Invalid " + name + " :: caused by :: specification must have at least one field");
    }
    Expression[] values = fields.stream().map(f -> Expression.compile(f.spec())).toArray(Expression[]::new);
    return doc -> {
      BsonValue[] computed = new BsonValue[values.length];
      for (int i = 0; i < values.length; i++) {
        computed[i] = values[i].evaluateOrMissing(doc);
      }
      BsonDocument out = BsonValues.copy(doc);
      for (int i = 0; i < computed.length; i++) {
        ComputedFields.set(out, fields.get(i).parts(), computed[i] == null ? null : BsonValues.copy(computed[i]));
      }
      return out;
    };
  }

  /** A path or an array of paths to remove: an exclusion {@link Projection}. */
  private static Pipeline.Stage unset(String name, BsonValue spec) {
    List<BsonValue> paths = spec.isArray() ? spec.asArray().getValues() : List.of(spec);
    if (paths.isEmpty()) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "$unset specification must be a string or an array with at least one field");
    }
    BsonDocument exclusion = new BsonDocument();
    for (BsonValue path : paths) {
      if (!path.isString() || path.asString().getValue().isEmpty()) {
        throw new SluiceException(ErrorCode.BAD_VALUE, "$unset specification must be a non-empty string or an array "
            + "containing only non-empty string values, found: " + BsonValues.typeName(path) + " " + BsonValues.render(path));
      }
      exclusion.put(path.asString().getValue(), new BsonInt32(0));
    }
    Projection projection = Projection.compile(exclusion);
    return projection::apply;
  }

  private static Pipeline.Stage replaceRoot(String name, BsonValue spec) {
    BsonDocument args = document(name, spec, "requires an object with a 'newRoot' field");
    for (String key : args.keySet()) {
      if (!key.equals("newRoot")) {
        throw new SluiceException(ErrorCode.BAD_VALUE, "unrecognized option to $replaceRoot stage: '" + key + "'");
      }
    }
    if (!args.containsKey("newRoot")) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "no newRoot specified for the $replaceRoot stage: " + BsonValues.render(args));
    }
    return replaceWith(name, args.get("newRoot"));
  }

  private static Pipeline.Stage replaceWith(String name, BsonValue newRoot) {
    Expression expression = Expression.compile(newRoot);
    return doc -> {
      BsonValue root = expression.evaluateOrMissing(doc);
      if (root == null || !root.isDocument()) {
        throw new SluiceException(ErrorCode.TYPE_MISMATCH, name + ": 'newRoot' expression must evaluate to an object, found: "
            + ExpressionOperators.describe(root));
      }
      return BsonValues.copy(root.asDocument());
    };
  }
}
