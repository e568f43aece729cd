package io.sluice.statemachine.command;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.Replies;
import io.sluice.protocol.SluiceException;
import io.sluice.statemachine.changestream.ChangeRecorder;
import io.sluice.statemachine.engine.DocumentLimits;
import io.sluice.statemachine.engine.EntryTime;
import io.sluice.statemachine.engine.Filter;
import io.sluice.statemachine.storage.DocumentStore;
import io.sluice.statemachine.storage.DuplicateKeyError;
import java.util.List;
import java.util.Set;
import org.bson.BsonArray;
import org.bson.BsonDateTime;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.BsonValue;

/**
 * Applies one write command to the store and builds its reply, in MongoDB's shapes: {@code insert},
 * {@code update}, {@code delete}, {@code findAndModify} ({@link FindAndModify}), the collection commands of
 * {@link CollectionCommands} and the index commands of {@link IndexCommands}. Statement-level failures become
 * {@code writeErrors} (an ordered write stops at the first); command-level failures are thrown as
 * {@link SluiceException}. Deterministic: the same store and command give the same result anywhere.
 */
public final class WriteExecutor {
  private static final Set<String> DELETE_FIELDS = Set.of("q", "limit", "collation", "hint");

  private final DocumentStore store;
  private final CollectionCommands collections;
  private final IndexCommands indexes;

  public WriteExecutor(DocumentStore store) {
    this.store = store;
    this.collections = new CollectionCommands(store);
    this.indexes = new IndexCommands(store);
  }

  /** Applies the command, recording the change events it causes. */
  public BsonDocument apply(ApplyContext context, BsonDocument command, ChangeRecorder changes) {
    CommandReader reader = new CommandReader(command);
    return switch (reader.name()) {
      case "insert" -> insert(reader, changes);
      case "update" -> update(reader, changes, entryTime(context));
      case "findAndModify" -> FindAndModify.apply(reader, store, changes, entryTime(context));
      case "delete" -> delete(reader, changes);
      default -> {
        if (IndexCommands.isIndexCommand(reader.name())) {
          yield indexes.apply(reader);
        }
        if (!CollectionCommands.isCollectionCommand(reader.name())) {
          throw new SluiceException(ErrorCode.COMMAND_NOT_FOUND, "no such write command: '" + reader.name()
              + "'; writes are insert, update, delete, findAndModify, " + CollectionCommands.NAMES + ", " + IndexCommands.NAMES);
        }
        yield collections.apply(reader, changes);
      }
    };
  }

  /** What {@code $currentDate} sets: the time the leader stamped on the entry. */
  private static EntryTime entryTime(ApplyContext context) {
    return new EntryTime(new BsonDateTime(context.wallTimeMillis()), context.clusterTime());
  }

  /** Applies the command and discards its change events. */
  public BsonDocument apply(ApplyContext context, BsonDocument command) {
    return apply(context, command, new ChangeRecorder(context.position(), context.clusterTime(), context.wallTimeMillis()));
  }

  private BsonDocument insert(CommandReader reader, ChangeRecorder changes) {
    reader.checkFields(Set.of("documents", "ordered", "bypassDocumentValidation"));
    String ns = reader.namespace();
    BsonArray documents = reader.array("documents");
    boolean ordered = reader.booleanOr("ordered", true);
    WriteErrors errors = new WriteErrors(ordered);
    int inserted = 0;
    for (int i = 0; i < documents.size() && errors.mayContinue(); i++) {
      try {
        changes.insert(ns, insertOne(ns, documents.get(i), i));
        inserted++;
      } catch (SluiceException e) {
        errors.add(i, e);
      }
    }
    return errors.appendTo(Replies.ok().append("n", new BsonInt32(inserted)));
  }

  private BsonDocument insertOne(String ns, BsonValue value, int index) {
    if (!value.isDocument()) {
      throw CommandReader.wrongType("insert.documents." + index, value, "object");
    }
    BsonDocument doc = value.asDocument();
    if (!doc.containsKey("_id")) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "document " + index + " has no _id; the leader adds one to every insert, "
          + "so this entry did not come through a Sluice leader");
    }
    DocumentLimits.checkStorable(doc);
    BsonDocument encoded = DocumentLimits.encodeForInsert(doc);
    ensureCollection(ns);
    if (!store.insert(ns, encoded)) {
      throw duplicateKey(ns, doc.get("_id"));
    }
    return encoded;
  }

  private BsonDocument update(CommandReader reader, ChangeRecorder changes, EntryTime time) {
    reader.checkFields(Set.of("updates", "ordered", "bypassDocumentValidation"));
    String ns = reader.namespace();
    BsonArray statements = reader.array("updates");
    WriteErrors errors = new WriteErrors(reader.booleanOr("ordered", true));
    long matched = 0;
    long modified = 0;
    BsonArray upserted = new BsonArray();
    for (int i = 0; i < statements.size() && errors.mayContinue(); i++) {
      try {
        UpdateStatement statement = UpdateStatement.read(statements.get(i), i, time);
        UpdateStatement.Result result = statement.apply(store, ns, changes);
        matched += result.matched();
        modified += result.modified();
        result.upsertedId().ifPresent(id -> upserted.add(new BsonDocument("index", new BsonInt32(statement.index())).append("_id", id)));
      } catch (SluiceException e) {
        errors.add(i, e);
      }
    }
    BsonDocument reply = Replies.ok()
        .append("n", new org.bson.BsonInt64(matched + upserted.size()))
        .append("nModified", new org.bson.BsonInt64(modified));
    if (!upserted.isEmpty()) {
      reply.append("upserted", upserted);
    }
    return errors.appendTo(reply);
  }

  private BsonDocument delete(CommandReader reader, ChangeRecorder changes) {
    reader.checkFields(Set.of("deletes", "ordered"));
    String ns = reader.namespace();
    BsonArray statements = reader.array("deletes");
    WriteErrors errors = new WriteErrors(reader.booleanOr("ordered", true));
    long deleted = 0;
    for (int i = 0; i < statements.size() && errors.mayContinue(); i++) {
      try {
        deleted += deleteOne(ns, statements.get(i), i, changes);
      } catch (SluiceException e) {
        errors.add(i, e);
      }
    }
    return errors.appendTo(Replies.ok().append("n", new org.bson.BsonInt64(deleted)));
  }

  private long deleteOne(String ns, BsonValue value, int index, ChangeRecorder changes) {
    String field = "delete.deletes." + index;
    if (!value.isDocument()) {
      throw CommandReader.wrongType(field, value, "object");
    }
    BsonDocument statement = value.asDocument();
    for (String key : statement.keySet()) {
      if (!DELETE_FIELDS.contains(key)) {
        throw new SluiceException(ErrorCode.UNKNOWN_FIELD, "BSON field '" + field + "." + key + "' is an unknown field.");
      }
    }
    CommandReader.checkSimpleCollation(statement, field);
    BsonValue q = statement.get("q");
    if (q == null || !q.isDocument()) {
      throw q == null ? new SluiceException(ErrorCode.FAILED_TO_PARSE, "BSON field '" + field + ".q' is missing but a required field")
          : CommandReader.wrongType(field + ".q", q, "object");
    }
    BsonValue limit = statement.get("limit");
    if (limit == null || !limit.isNumber() || (limit.asNumber().doubleValue() != 0 && limit.asNumber().doubleValue() != 1)) {
      throw new SluiceException(ErrorCode.FAILED_TO_PARSE, "The limit field in delete objects must be 0 or 1. Got " + limit);
    }
    Filter filter = Filter.compile(q.asDocument());
    List<BsonDocument> victims = Matching.find(store, ns, filter, Hint.read(statement, field), limit.asNumber().longValue());
    boolean images = CollectionCommands.keepsImages(store, ns);
    for (BsonDocument doc : victims) {
      store.remove(ns, doc.get("_id"));
      changes.delete(ns, doc, images);
    }
    return victims.size();
  }

  private void ensureCollection(String ns) {
    if (!store.collectionExists(ns)) {
      store.createCollection(ns, new BsonDocument());
    }
  }

  static SluiceException duplicateKey(String ns, BsonValue id) {
    return DuplicateKeyError.of(ns, "_id_", new BsonDocument("_id", id));
  }

  /** Statement-level errors of one write command, and whether the command may go on. */
  private static final class WriteErrors {
    private final boolean ordered;
    private final BsonArray errors = new BsonArray();

    WriteErrors(boolean ordered) {
      this.ordered = ordered;
    }

    boolean mayContinue() {
      return !ordered || errors.isEmpty();
    }

    void add(int index, SluiceException e) {
      errors.add(new BsonDocument("index", new BsonInt32(index))
          .append("code", new BsonInt32(e.code()))
          .append("codeName", new BsonString(e.errorCode().codeName()))
          .append("errmsg", new BsonString(e.reason())));
    }

    BsonDocument appendTo(BsonDocument reply) {
      return errors.isEmpty() ? reply : reply.append("writeErrors", errors);
    }
  }
}
