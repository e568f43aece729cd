package io.sluice.statemachine.command;

import io.sluice.protocol.SluiceException;
import java.util.function.Supplier;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonObjectId;
import org.bson.BsonValue;
import org.bson.types.ObjectId;

/**
 * Runs on the leader, before a write enters the log, and fixes there everything that apply must not
 * invent: the wall time of the write, an {@code _id} for each inserted document that lacks one, and
 * the {@code _id} an upsert would insert. What is decided here is replicated; apply only reads it.
 * Commands it cannot read are passed through unchanged: apply rejects them with a clear error.
 */
public final class WriteStamper {
  /** The field of an update statement that carries the leader-chosen {@code _id} for an upsert. */
  public static final String UPSERT_ID = "$sluiceUpsertId";

  private final Supplier<ObjectId> ids;

  public WriteStamper(Supplier<ObjectId> ids) {
    this.ids = ids;
  }

  public LogEntry stamp(byte[] commandBytes, long wallTimeMillis) {
    BsonDocument command;
    try {
      command = LogEntry.parseCommand(commandBytes);
    } catch (SluiceException malformed) {
      return new LogEntry(wallTimeMillis, commandBytes);
    }
    boolean changed = command.isEmpty() ? false : switch (command.getFirstKey()) {
      case "insert" -> addMissingIds(command.get("documents"));
      case "update" -> addUpsertIds(command.get("updates"));
      case "findAndModify" -> addUpsertId(command);
      default -> false;
    };
    return new LogEntry(wallTimeMillis, changed ? LogEntry.toBytes(command) : commandBytes);
  }

  private boolean addMissingIds(BsonValue documents) {
    if (documents == null || !documents.isArray()) {
      return false;
    }
    BsonArray array = documents.asArray();
    boolean changed = false;
    for (int i = 0; i < array.size(); i++) {
      BsonValue doc = array.get(i);
      if (doc.isDocument() && !doc.asDocument().containsKey("_id")) {
        BsonDocument withId = new BsonDocument("_id", new BsonObjectId(ids.get()));
        withId.putAll(doc.asDocument());
        array.set(i, withId);
        changed = true;
      }
    }
    return changed;
  }

  private boolean addUpsertIds(BsonValue updates) {
    if (updates == null || !updates.isArray()) {
      return false;
    }
    boolean changed = false;
    for (BsonValue statement : updates.asArray()) {
      changed |= statement.isDocument() && addUpsertId(statement.asDocument());
    }
    return changed;
  }

  /** Gives an update statement, or a findAndModify command, that may upsert the {@code _id} to insert. */
  private boolean addUpsertId(BsonDocument statement) {
    if (!isUpsert(statement) || statement.containsKey(UPSERT_ID)) {
      return false;
    }
    statement.put(UPSERT_ID, new BsonObjectId(ids.get()));
    return true;
  }

  /** The same reading of {@code upsert} as apply's, so that every statement apply upserts has an id. */
  private static boolean isUpsert(BsonDocument statement) {
    try {
      return CommandReader.booleanField(statement, "upsert", "upsert", false);
    } catch (SluiceException wrongType) {
      return false;
    }
  }
}
