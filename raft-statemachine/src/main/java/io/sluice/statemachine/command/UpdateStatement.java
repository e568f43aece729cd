package io.sluice.statemachine.command;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import io.sluice.statemachine.changestream.ChangeRecorder;
import io.sluice.statemachine.engine.ArrayFilters;
import io.sluice.statemachine.engine.DocumentLimits;
import io.sluice.statemachine.engine.EntryTime;
import io.sluice.statemachine.engine.Filter;
import io.sluice.statemachine.engine.Update;
import io.sluice.statemachine.storage.DocumentStore;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/** One {@code {q, u, upsert, multi}} statement of an {@code update} command, read and applied. */
record UpdateStatement(int index, BsonDocument query, Filter filter, Update update, boolean upsert, boolean multi,
                       Optional<BsonValue> upsertId, Hint hint) {
  private static final Set<String> FIELDS = Set.of("q", "u", "upsert", "multi", "arrayFilters", "collation", "hint",
      WriteStamper.UPSERT_ID);

  record Result(long matched, long modified, Optional<BsonValue> upsertedId) {}

  /** One stored document updated: the document after (the original if nothing changed). */
  record Applied(BsonDocument after, boolean modified) {}

  /** Reads the statement of an entry stamped {@code time} (what {@code $currentDate} sets). */
  static UpdateStatement read(BsonValue value, int index, EntryTime time) {
    String field = "update.updates." + index;
    if (!value.isDocument()) {
      throw CommandReader.wrongType(field, value, "object");
    }
    BsonDocument statement = value.asDocument();
    for (String key : statement.keySet()) {
      if (!FIELDS.contains(key)) {
        throw new SluiceException(ErrorCode.UNKNOWN_FIELD, "BSON field '" + field + "." + key + "' is an unknown field.");
      }
    }
    CommandReader.checkSimpleCollation(statement, field);
    BsonDocument q = requiredDocument(statement, field, "q");
    BsonValue u = statement.get("u");
    if (u == null) {
      throw new SluiceException(ErrorCode.FAILED_TO_PARSE, "BSON field '" + field + ".u' is missing but a required field");
    }
    Update update = compileUpdate(u, field + ".u", time, arrayFilters(statement, field));
    boolean multi = CommandReader.booleanField(statement, field + ".multi", "multi", false);
    if (multi && update.isReplacement()) {
      throw new SluiceException(ErrorCode.FAILED_TO_PARSE, "multi update is not supported for replacement-style update");
    }
    return new UpdateStatement(index, q, Filter.compile(q), update,
        CommandReader.booleanField(statement, field + ".upsert", "upsert", false), multi,
        Optional.ofNullable(statement.get(WriteStamper.UPSERT_ID)), Hint.read(statement, field));
  }

  /** The statement's (or command's) {@code arrayFilters}, compiled; none if absent. */
  static ArrayFilters arrayFilters(BsonDocument statement, String field) {
    BsonValue filters = statement.get("arrayFilters");
    if (filters == null) {
      return ArrayFilters.NONE;
    }
    if (!filters.isArray()) {
      throw CommandReader.wrongType(field + ".arrayFilters", filters, "array");
    }
    return ArrayFilters.compile(filters.asArray());
  }

  /** Compiles the update document or replacement at {@code field}; refuses update pipelines. */
  static Update compileUpdate(BsonValue u, String field, EntryTime time, ArrayFilters arrayFilters) {
    if (u.isArray()) {
      throw new SluiceException(ErrorCode.FAILED_TO_PARSE, "update pipelines (an array in '" + field + "') are not supported; "
          + "use update operators or a replacement document");
    }
    if (!u.isDocument()) {
      throw CommandReader.wrongType(field, u, "object");
    }
    return Update.compile(u.asDocument(), time, arrayFilters);
  }

  Result apply(DocumentStore store, String ns, ChangeRecorder changes) {
    List<BsonDocument> matches = Matching.find(store, ns, filter, hint, multi ? 0 : 1);
    if (matches.isEmpty()) {
      return upsert ? new Result(0, 0, Optional.of(insertUpsert(store, ns, changes).get("_id"))) : new Result(0, 0, Optional.empty());
    }
    boolean images = CollectionCommands.keepsImages(store, ns);
    long modified = 0;
    for (BsonDocument original : matches) {
      if (applyTo(store, ns, original, images, changes).modified()) {
        modified++;
      }
    }
    return new Result(matches.size(), modified, Optional.empty());
  }

  /** Updates one stored document and records the change. */
  Applied applyTo(DocumentStore store, String ns, BsonDocument original, boolean images, ChangeRecorder changes) {
    Update.UpdateOutcome outcome = update.apply(original, query);
    if (!outcome.modified()) {
      return new Applied(original, false);
    }
    // Encoded once: the store and the history record both copy these bytes.
    BsonDocument after = DocumentLimits.encodeForUpdate(outcome.after());
    store.put(ns, after);
    if (update.isReplacement()) {
      changes.replace(ns, original, after, images);
    } else {
      changes.update(ns, original, after, outcome.updatedFields(), outcome.removedFields(), images);
    }
    return new Applied(after, true);
  }

  /** Inserts the document an upsert makes when nothing matched, and records the change: that document. */
  BsonDocument insertUpsert(DocumentStore store, String ns, ChangeRecorder changes) {
    BsonValue generatedId = upsertId.orElseThrow(() -> new SluiceException(ErrorCode.BAD_VALUE,
        "the upsert carries no leader-chosen _id (" + WriteStamper.UPSERT_ID + "), so this entry did not come through a Sluice leader"));
    BsonDocument inserted = update.applyForUpsert(query, generatedId);
    DocumentLimits.checkStorable(inserted);
    BsonDocument encoded = DocumentLimits.encodeForInsert(inserted);
    if (!store.collectionExists(ns)) {
      store.createCollection(ns, new BsonDocument());
    }
    if (store.find(ns, inserted.get("_id")).isPresent()) {
      throw WriteExecutor.duplicateKey(ns, inserted.get("_id"));
    }
    store.put(ns, encoded);
    changes.insert(ns, encoded);
    return encoded;
  }

  private static BsonDocument requiredDocument(BsonDocument statement, String field, String key) {
    BsonValue value = statement.get(key);
    if (value == null) {
      throw new SluiceException(ErrorCode.FAILED_TO_PARSE, "BSON field '" + field + "." + key + "' is missing but a required field");
    }
    if (!value.isDocument()) {
      throw CommandReader.wrongType(field + "." + key, value, "object");
    }
    return value.asDocument();
  }
}
