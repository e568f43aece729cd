package io.sluice.node.bench;

import io.sluice.statemachine.command.LogEntry;
import java.util.List;
import java.util.Random;
import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;

/**
 * The log entries of a steady write load, for benchmarks that apply entries without Raft: entry
 * {@code i} inserts document {@code i} while {@code i <= documents}, then sets a 200-byte value on a
 * random one; each is a retryable write of one client, an entry a millisecond. One seed: two instances
 * give the same entries.
 */
final class SteadyEntries {
  private final int documents;
  private final Random random = new Random(1);
  private final BsonDocument lsid = new BsonDocument("id", new BsonBinary(new java.util.UUID(1, 2)));

  SteadyEntries(int documents) {
    this.documents = documents;
  }

  LogEntry entry(int index) {
    byte[] value = new byte[200];
    random.nextBytes(value);
    BsonDocument command = index <= documents
        ? new BsonDocument("insert", new BsonString("c")).append("documents",
            new BsonArray(List.of(new BsonDocument("_id", new BsonInt32(index)).append("v", new BsonBinary(value)))))
        : new BsonDocument("update", new BsonString("c")).append("updates", new BsonArray(List.of(
            new BsonDocument("q", new BsonDocument("_id", new BsonInt32(1 + random.nextInt(documents))))
                .append("u", new BsonDocument("$set", new BsonDocument("v", new BsonBinary(value)))))));
    command.append("$db", new BsonString("bench")).append("lsid", lsid).append("txnNumber", new BsonInt64(index));
    return new LogEntry(1_700_000_000_000L + index, LogEntry.toBytes(command));
  }
}
