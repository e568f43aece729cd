package io.sluice.statemachine.engine;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonValue;

/**
 * A compiled pipeline of the {@code aggregate} command: the document-at-a-time stages a change
 * stream takes ({@link Pipeline}) and the stages that need the whole input, {@code $sort},
 * {@code $limit}, {@code $skip}, {@code $group} ({@link GroupStage}) and {@code $count}.
 *
 * <p>A leading {@code $match} is the {@link #scanFilter()}: the caller picks the documents with it,
 * and {@link #run} takes the rest of the pipeline from there. Compiling throws
 * UNRECOGNIZED_PIPELINE_STAGE for an unknown stage, BAD_VALUE for a MongoDB stage Sluice lacks and
 * for malformed specs. Instances are immutable and thread-safe; running never changes its input.
 */
public final class Aggregation {
  /** One compiled stage over the whole stream of documents. */
  @FunctionalInterface
  interface Stage {
    List<BsonDocument> apply(List<BsonDocument> docs);
  }

  private final Filter scanFilter;
  private final List<Stage> stages;

  private Aggregation(Filter scanFilter, List<Stage> stages) {
    this.scanFilter = scanFilter;
    this.stages = stages;
  }

  /** Compiles an {@code aggregate} command's {@code pipeline} array; the array is copied where kept. */
  public static Aggregation compile(BsonArray pipeline) {
    Objects.requireNonNull(pipeline, "pipeline");
    Filter scanFilter = Filter.compile(leadingMatch(pipeline));
    BsonArray rest = startsWithMatch(pipeline) ? new BsonArray(pipeline.subList(1, pipeline.size())) : pipeline;
    return new Aggregation(scanFilter, Pipeline.compileEach(rest, Aggregation::stage));
  }

  /** The filter of the pipeline's leading {@code $match}, which picks the documents it reads; empty if there is none. */
  public static BsonDocument leadingMatch(BsonArray pipeline) {
    return startsWithMatch(pipeline) ? PipelineStages.document("$match", pipeline.get(0).asDocument().get("$match"),
        "the match filter must be an expression in an object") : new BsonDocument();
  }

  private static boolean startsWithMatch(BsonArray pipeline) {
    return !pipeline.isEmpty() && pipeline.get(0).isDocument() && pipeline.get(0).asDocument().size() == 1
        && pipeline.get(0).asDocument().containsKey("$match");
  }

  /** The documents the pipeline starts from: those of the collection that this filter matches. */
  public Filter scanFilter() {
    return scanFilter;
  }

  /**
   * Runs the pipeline after its scan over {@code scanned} (the documents {@link #scanFilter()} matched,
   * in order). Documents that pass through unchanged are returned as they are, not copied.
   */
  public List<BsonDocument> run(List<BsonDocument> scanned) {
    List<BsonDocument> docs = scanned;
    for (Stage stage : stages) {
      docs = stage.apply(docs);
    }
    return docs;
  }

  private static Stage stage(String name, BsonValue spec) {
    // A plain $match: the change stream's one also reaches into updateDescription's dotted keys.
    Pipeline.Stage perDocument = name.equals("$match") ? matching(match(spec)) : PipelineStages.documentStage(name, spec);
    if (perDocument != null) {
      return docs -> {
        List<BsonDocument> out = new ArrayList<>(docs.size());
        for (BsonDocument doc : docs) {
          BsonDocument next = perDocument.apply(doc);
          if (next != null) {
            out.add(next);
          }
        }
        return out;
      };
    }
    return switch (name) {
      case "$sort" -> sort(spec);
      case "$limit" -> limit(spec);
      case "$skip" -> skip(spec);
      case "$count" -> count(spec);
      case "$group" -> GroupStage.compile(name, spec);
      case "$changeStream" -> throw new SluiceException(ErrorCode.BAD_VALUE, "$changeStream is only valid as the first stage in a pipeline");
      default -> throw PipelineStages.isKnown(name)
          ? new SluiceException(ErrorCode.BAD_VALUE, name + " is not supported by Sluice's aggregate; its stages are $match, "
              + "$project, $addFields, $set, $unset, $replaceRoot, $replaceWith, $sort, $limit, $skip, $group and $count")
          : PipelineStages.unrecognized(name);
    };
  }

  private static Pipeline.Stage matching(Filter filter) {
    return doc -> filter.matches(doc) ? doc : null;
  }

  private static Filter match(BsonValue spec) {
    return Filter.compile(PipelineStages.document("$match", spec, "the match filter must be an expression in an object"));
  }

  private static Stage sort(BsonValue spec) {
    BsonDocument keys = PipelineStages.document("$sort", spec, "the $sort key specification must be an object");
    if (keys.isEmpty()) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "$sort stage must have at least one sort key");
    }
    SortSpec sortSpec = SortSpec.compile(keys);
    return docs -> {
      List<BsonDocument> sorted = new ArrayList<>(docs);
      sorted.sort(sortSpec.comparator());
      return sorted;
    };
  }

  private static Stage limit(BsonValue spec) {
    long n = wholeNumber("$limit", spec);
    if (n <= 0) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "invalid argument to $limit stage: the limit must be positive, found: " + n);
    }
    return docs -> docs.size() <= n ? docs : docs.subList(0, (int) n);
  }

  private static Stage skip(BsonValue spec) {
    long n = wholeNumber("$skip", spec);
    if (n < 0) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "invalid argument to $skip stage: Expected a non-negative number in: $skip: " + n);
    }
    return docs -> docs.size() <= n ? List.of() : docs.subList((int) n, docs.size());
  }

  /** {@code {$count: "name"}}: one document {@code {name: <number of documents>}}, none for no input. */
  private static Stage count(BsonValue spec) {
    if (!spec.isString() || spec.asString().getValue().isEmpty()) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "the count field must be a non-empty string, found: " + BsonValues.render(spec));
    }
    String field = spec.asString().getValue();
    if (field.startsWith("$")) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "the count field cannot be a $-prefixed path: " + field);
    }
    if (field.contains(".")) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "the count field cannot contain '.': " + field);
    }
    return docs -> docs.isEmpty() ? List.of() : List.of(new BsonDocument(field, new BsonInt32(docs.size())));
  }

  /** A number with an integral value that fits a long, as {@code $limit} and {@code $skip} take. */
  private static long wholeNumber(String stage, BsonValue spec) {
    Long n = BsonValues.exactLong(spec);
    if (n != null) {
      return n;
    }
    throw new SluiceException(ErrorCode.BAD_VALUE, "invalid argument to " + stage + " stage: Cannot represent as a 64-bit integer: "
        + BsonValues.typeName(spec) + " " + BsonValues.render(spec));
  }
}
