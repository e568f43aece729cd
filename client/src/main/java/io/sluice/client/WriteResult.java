package io.sluice.client;

import io.sluice.protocol.Position;
import java.util.List;
import java.util.Optional;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;

/**
 * The outcome of a write: what it did (counts, inserted and upserted ids) and where it is in the
 * replicated log. {@link #position()} identifies the write everywhere: follower reads and change
 * streams can be asked to start at or after it.
 */
public record WriteResult(Position position, BsonTimestamp operationTime, long matchedCount, long modifiedCount,
                          long deletedCount, List<BsonValue> insertedIds, Optional<BsonValue> upsertedId) {

  public WriteResult {
    insertedIds = List.copyOf(insertedIds);
  }

  /** The {@code _id} of the single inserted document, if this was an {@code insertOne}. */
  public Optional<BsonValue> insertedId() {
    return insertedIds.size() == 1 ? Optional.of(insertedIds.get(0)) : Optional.empty();
  }

  static WriteResult fromReply(BsonDocument reply, List<BsonValue> insertedIds) {
    Position position = reply.isDocument("opTime") ? Position.fromBson(reply.getDocument("opTime")) : Position.ZERO;
    BsonTimestamp time = reply.isTimestamp("operationTime") ? reply.getTimestamp("operationTime") : new BsonTimestamp();
    long n = reply.isNumber("n") ? reply.getNumber("n").longValue() : 0;
    long modified = reply.isNumber("nModified") ? reply.getNumber("nModified").longValue() : 0;
    Optional<BsonValue> upserted = reply.isArray("upserted") && !reply.getArray("upserted").isEmpty()
        ? Optional.of(reply.getArray("upserted").get(0).asDocument().get("_id")) : Optional.empty();
    long matched = upserted.isPresent() ? n - reply.getArray("upserted").size() : n;
    return new WriteResult(position, time, matched, modified, n, insertedIds, upserted);
  }
}
