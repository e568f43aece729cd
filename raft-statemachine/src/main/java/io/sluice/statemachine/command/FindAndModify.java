package io.sluice.statemachine.command;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.Replies;
import io.sluice.protocol.SluiceException;
import io.sluice.statemachine.changestream.ChangeRecorder;
import io.sluice.statemachine.engine.EntryTime;
import io.sluice.statemachine.engine.Filter;
import io.sluice.statemachine.engine.Projection;
import io.sluice.statemachine.engine.SortSpec;
import io.sluice.statemachine.storage.DocumentStore;
import java.util.Optional;
import java.util.Set;
import org.bson.BsonBoolean;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonNull;
import org.bson.BsonValue;

/**
 * {@code findAndModify}: updates, replaces or removes the first document the {@code query} matches in
 * {@code sort} order (key order without one), or upserts, and answers with that document before the
 * change or, with {@code new: true}, after it, shaped by {@code fields}. The reply is MongoDB's:
 * {@code {lastErrorObject: {n, updatedExisting, upserted}, value}}.
 */
final class FindAndModify {
  private static final Set<String> FIELDS = Set.of("query", "sort", "remove", "update", "new", "fields", "upsert",
      "arrayFilters", "bypassDocumentValidation", "collation", "hint", WriteStamper.UPSERT_ID);

  private FindAndModify() {}

  /** Reads the command of an entry stamped {@code time} and applies it. */
  static BsonDocument apply(CommandReader reader, DocumentStore store, ChangeRecorder changes, EntryTime time) {
    reader.checkFields(FIELDS);
    String ns = reader.namespace();
    BsonDocument query = reader.documentOr("query", new BsonDocument());
    BsonDocument sort = reader.documentOr("sort", new BsonDocument());
    Projection fields = Projection.compile(reader.documentOr("fields", new BsonDocument()));
    boolean remove = reader.booleanOr("remove", false);
    boolean returnNew = reader.booleanOr("new", false);
    boolean upsert = reader.booleanOr("upsert", false);
    BsonValue u = reader.document().get("update");
    if (remove && u != null) {
      throw new SluiceException(ErrorCode.FAILED_TO_PARSE, "Cannot specify both an update and remove=true");
    }
    if (!remove && u == null) {
      throw new SluiceException(ErrorCode.FAILED_TO_PARSE, "Either an update or remove=true must be specified");
    }
    if (remove && returnNew) {
      throw new SluiceException(ErrorCode.FAILED_TO_PARSE, "Cannot specify both new=true and remove=true; 'remove' always returns the deleted document");
    }
    if (remove && reader.document().containsKey("arrayFilters")) {
      throw new SluiceException(ErrorCode.FAILED_TO_PARSE, "Cannot specify arrayFilters and remove=true");
    }
    if (remove && upsert) {
      throw new SluiceException(ErrorCode.FAILED_TO_PARSE, "Cannot specify both upsert=true and remove=true");
    }
    Filter filter = Filter.compile(query);
    SortSpec order = SortSpec.compile(sort);
    UpdateStatement statement = remove ? null : new UpdateStatement(0, query, filter, UpdateStatement.compileUpdate(u, "findAndModify.update", time,
        UpdateStatement.arrayFilters(reader.document(), "findAndModify")), upsert, false,
        Optional.ofNullable(reader.document().get(WriteStamper.UPSERT_ID)), Hint.NONE);

    Hint hint = Hint.read(reader.document(), "findAndModify");
    Optional<BsonDocument> target = sort.isEmpty() ? Matching.find(store, ns, filter, hint, 1).stream().findFirst()
        : Matching.first(store, ns, filter, hint, order.comparator());
    boolean images = CollectionCommands.keepsImages(store, ns);
    BsonDocument lastError = new BsonDocument("n", new BsonInt32(target.isPresent() ? 1 : 0));
    BsonDocument value;
    if (remove) {
      target.ifPresent(doc -> {
        store.remove(ns, doc.get("_id"));
        changes.delete(ns, doc, images);
      });
      value = target.orElse(null);
    } else if (target.isPresent()) {
      BsonDocument after = statement.applyTo(store, ns, target.get(), images, changes).after();
      lastError.append("updatedExisting", BsonBoolean.TRUE);
      value = returnNew ? after : target.get();
    } else if (upsert) {
      BsonDocument inserted = statement.insertUpsert(store, ns, changes);
      lastError = new BsonDocument("n", new BsonInt32(1)).append("updatedExisting", BsonBoolean.FALSE)
          .append("upserted", inserted.get("_id"));
      value = returnNew ? inserted : null;
    } else {
      lastError.append("updatedExisting", BsonBoolean.FALSE);
      value = null;
    }
    return Replies.ok().append("lastErrorObject", lastError).append("value", value == null ? BsonNull.VALUE : fields.apply(value, query));
  }
}
