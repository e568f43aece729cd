package io.sluice.statemachine.changestream;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.ResumeToken;
import io.sluice.protocol.SluiceException;
import io.sluice.statemachine.engine.Pipeline;
import java.util.Optional;
import java.util.Set;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;

/**
 * What a change stream watches and how, read from an {@code aggregate} command whose first stage is
 * {@code $changeStream}: the scope (a collection, a database or the whole cluster), the start
 * (resumeAfter, startAfter, startAtOperationTime or now), the {@code fullDocument} and
 * {@code fullDocumentBeforeChange} modes, the compiled stages after {@code $changeStream}, and the
 * field its first {@code $match} pins, if any (collection streams only).
 *
 * @param afterIndex the log index the node must have applied before the stream starts (0: none), from
 *     {@code readConcern: {afterOpTime: {term, index}}}: a client's last acknowledged write, so that a
 *     stream it opens at "now" on a follower never starts before that write and shows it
 */
record StreamSpec(Scope scope, String database, String collection, FullDocument fullDocument,
                  BeforeChange beforeChange, Optional<ResumeToken> resumeAfter, Optional<ResumeToken> startAfter,
                  Optional<BsonTimestamp> startAtOperationTime, Pipeline pipeline, int batchSize, Optional<FieldPin> pin,
                  long afterIndex) {
  private static final Set<String> OPTIONS = Set.of("fullDocument", "fullDocumentBeforeChange", "resumeAfter", "startAfter",
      "startAtOperationTime", "allChangesForCluster", "showExpandedEvents");
  static final int DEFAULT_BATCH_SIZE = 101;

  enum Scope { COLLECTION, DATABASE, CLUSTER }

  enum FullDocument {
    DEFAULT("default"), UPDATE_LOOKUP("updateLookup"), WHEN_AVAILABLE("whenAvailable"), REQUIRED("required");

    final String value;

    FullDocument(String value) {
      this.value = value;
    }
  }

  enum BeforeChange {
    OFF("off"), WHEN_AVAILABLE("whenAvailable"), REQUIRED("required");

    final String value;

    BeforeChange(String value) {
      this.value = value;
    }
  }

  /** The key under which an unpinned stream waits in {@link ChangeHub}: woken only by records in its scope. */
  String wakeKey() {
    return switch (scope) {
      case COLLECTION -> ChangeHub.collectionKey(database + "." + collection);
      case DATABASE -> ChangeHub.databaseKey(database);
      case CLUSTER -> ChangeHub.CLUSTER_KEY;
    };
  }

  /** What the stream watches, for people: {@code db.coll}, {@code db.*} (a database), or {@code *} (the cluster). */
  String watched() {
    return switch (scope) {
      case COLLECTION -> database + "." + collection;
      case DATABASE -> database + ".*";
      case CLUSTER -> "*";
    };
  }

  /** The namespace string of cursor replies. */
  String cursorNamespace() {
    return scope == Scope.COLLECTION ? database + "." + collection : database + ".$cmd.aggregate";
  }

  static boolean isChangeStream(BsonDocument aggregate) {
    BsonValue pipeline = aggregate.get("pipeline");
    return pipeline != null && pipeline.isArray() && !pipeline.asArray().isEmpty() && pipeline.asArray().get(0).isDocument()
        && pipeline.asArray().get(0).asDocument().containsKey("$changeStream");
  }

  static StreamSpec read(BsonDocument command) {
    String database = requireString(command, "$db");
    BsonValue target = command.get("aggregate");
    BsonArray stages = command.getArray("pipeline");
    BsonValue stageValue = stages.get(0).asDocument().get("$changeStream");
    if (!stageValue.isDocument()) {
      throw bad("the $changeStream stage takes a document of options, got " + stageValue);
    }
    BsonDocument options = stageValue.asDocument();
    for (String key : options.keySet()) {
      if (!OPTIONS.contains(key)) {
        throw new SluiceException(ErrorCode.UNKNOWN_FIELD, "BSON field '$changeStream." + key + "' is an unknown field.");
      }
    }
    boolean allForCluster = options.getBoolean("allChangesForCluster", org.bson.BsonBoolean.FALSE).getValue();
    Scope scope;
    String collection = null;
    if (target != null && target.isString()) {
      scope = Scope.COLLECTION;
      collection = target.asString().getValue();
    } else if (target != null && target.isNumber() && target.asNumber().intValue() == 1) {
      scope = allForCluster ? Scope.CLUSTER : Scope.DATABASE;
      if (scope == Scope.CLUSTER && !database.equals("admin")) {
        throw bad("a change stream on the whole cluster ({allChangesForCluster: true}) must be opened on the admin database, not '" + database + "'");
      }
      if (scope == Scope.DATABASE && database.equals("admin")) {
        throw bad("$changeStream on the admin database needs {allChangesForCluster: true}");
      }
    } else {
      throw bad("aggregate must name a collection or be 1 (a whole database), got " + target);
    }
    if (allForCluster && scope != Scope.CLUSTER) {
      throw bad("allChangesForCluster is only valid on {aggregate: 1} against the admin database");
    }
    Optional<ResumeToken> resumeAfter = token(options, "resumeAfter");
    Optional<ResumeToken> startAfter = token(options, "startAfter");
    Optional<BsonTimestamp> startAt = Optional.ofNullable(options.get("startAtOperationTime")).map(v -> {
      if (!v.isTimestamp()) {
        throw new SluiceException(ErrorCode.TYPE_MISMATCH, "$changeStream.startAtOperationTime must be a Timestamp, got " + v.getBsonType());
      }
      return v.asTimestamp();
    });
    int starts = (resumeAfter.isPresent() ? 1 : 0) + (startAfter.isPresent() ? 1 : 0) + (startAt.isPresent() ? 1 : 0);
    if (starts > 1) {
      throw bad("Only one type of resume option is allowed, but multiple were found: use one of resumeAfter, startAfter and startAtOperationTime");
    }
    resumeAfter.filter(t -> t.kind() == ResumeToken.Kind.INVALIDATE).ifPresent(t -> {
      throw new SluiceException(ErrorCode.INVALID_RESUME_TOKEN, "cannot resume a stream after its invalidate event " + t
          + "; use startAfter to start a new stream after it");
    });
    BsonArray rest = new BsonArray(stages.subList(1, stages.size()));
    for (BsonValue stage : rest) {
      if (stage.isDocument() && stage.asDocument().containsKey("$changeStream")) {
        throw bad("$changeStream is only valid as the first stage of a pipeline");
      }
    }
    Pipeline pipeline = Pipeline.compileForChangeStream(rest);
    FullDocument fullDocument = fullDocument(options);
    BeforeChange beforeChange = beforeChange(options);
    Optional<FieldPin> pin = scope == Scope.COLLECTION ? FieldPin.of(rest, fullDocument, beforeChange) : Optional.empty();
    return new StreamSpec(scope, database, collection, fullDocument, beforeChange, resumeAfter, startAfter, startAt, pipeline,
        batchSize(command), pin, afterIndex(command));
  }

  /** The index of {@code readConcern.afterOpTime}, 0 if there is none; other read concern fields mean nothing here. */
  static long afterIndex(BsonDocument command) {
    BsonValue readConcern = command.get("readConcern");
    if (readConcern == null) {
      return 0;
    }
    if (!readConcern.isDocument()) {
      throw new SluiceException(ErrorCode.TYPE_MISMATCH, "aggregate.readConcern must be a document, got " + readConcern.getBsonType());
    }
    BsonValue opTime = readConcern.asDocument().get("afterOpTime");
    if (opTime == null) {
      return 0;
    }
    BsonValue index = opTime.isDocument() ? opTime.asDocument().get("index") : null;
    if (index == null || !index.isNumber() || index.asNumber().longValue() < 0) {
      throw new SluiceException(ErrorCode.TYPE_MISMATCH, "readConcern.afterOpTime must be a write's {term, index} with a "
          + "non-negative index, got " + opTime);
    }
    return index.asNumber().longValue();
  }

  static int batchSize(BsonDocument command) {
    BsonValue cursor = command.get("cursor");
    if (cursor == null) {
      return DEFAULT_BATCH_SIZE;
    }
    if (!cursor.isDocument()) {
      throw new SluiceException(ErrorCode.TYPE_MISMATCH, "aggregate.cursor must be a document, got " + cursor.getBsonType());
    }
    return batchSizeOf(cursor.asDocument().get("batchSize"), DEFAULT_BATCH_SIZE);
  }

  static int batchSizeOf(BsonValue value, int fallback) {
    if (value == null) {
      return fallback;
    }
    if (!value.isNumber() || value.asNumber().longValue() < 0 || value.asNumber().longValue() > Integer.MAX_VALUE) {
      throw bad("batchSize must be a non-negative number, got " + value);
    }
    return value.asNumber().intValue();
  }

  private static FullDocument fullDocument(BsonDocument options) {
    String value = optionalString(options, "fullDocument", "default");
    for (FullDocument mode : FullDocument.values()) {
      if (mode.value.equals(value)) {
        return mode;
      }
    }
    throw bad("'" + value + "' is not a valid $changeStream.fullDocument: use default, updateLookup, whenAvailable or required");
  }

  private static BeforeChange beforeChange(BsonDocument options) {
    String value = optionalString(options, "fullDocumentBeforeChange", "off");
    for (BeforeChange mode : BeforeChange.values()) {
      if (mode.value.equals(value)) {
        return mode;
      }
    }
    throw bad("'" + value + "' is not a valid $changeStream.fullDocumentBeforeChange: use off, whenAvailable or required");
  }

  private static Optional<ResumeToken> token(BsonDocument options, String field) {
    BsonValue value = options.get(field);
    return value == null || value.isNull() ? Optional.empty() : Optional.of(ResumeToken.fromBson(value));
  }

  private static String optionalString(BsonDocument options, String field, String fallback) {
    BsonValue value = options.get(field);
    if (value == null || value.isNull()) {
      return fallback;
    }
    if (!value.isString()) {
      throw new SluiceException(ErrorCode.TYPE_MISMATCH, "$changeStream." + field + " must be a string, got " + value.getBsonType());
    }
    return value.asString().getValue();
  }

  private static String requireString(BsonDocument command, String field) {
    BsonValue value = command.get(field);
    if (value == null || !value.isString()) {
      throw new SluiceException(ErrorCode.FAILED_TO_PARSE, "aggregate needs the string field '" + field + "'");
    }
    return value.asString().getValue();
  }

  static SluiceException bad(String message) {
    return new SluiceException(ErrorCode.BAD_VALUE, message);
  }
}
