package io.sluice.statemachine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.protocol.Position;
import io.sluice.statemachine.changestream.ChangeHub;
import io.sluice.statemachine.changestream.HistoryWindow;
import io.sluice.statemachine.command.LogEntry;
import io.sluice.statemachine.command.WriteStamper;
import io.sluice.statemachine.storage.CompactionPolicy;
import io.sluice.statemachine.storage.MapDbDocumentStore;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store under a steady load, long enough for what MapDB does not free to show: updates of a fixed
 * set of documents, each one a retryable write whose session entry expires after a second, with a
 * change history of 2,000 entries. With maintenance (trees renewed, the file compacted), the file
 * stays within what the compaction policy allows; without, it does not. Both end with the same
 * content, history and sessions included.
 */
class BoundedStoreTest {
  private static final int DOCUMENTS = 2_000;
  private static final int ENTRIES = 120_000;
  private static final CompactionPolicy POLICY = new CompactionPolicy(1L << 20, 0.5);
  /** MapDB's file grows in 1 MiB steps, and the free space is looked at every 1,024 entries. */
  private static final double SLACK = 2 << 20;

  @TempDir
  Path dir;

  @Test
  void theStoreFileStaysWithinTwiceItsRecordsUnderASteadyLoad() {
    try (MapDbDocumentStore maintained = MapDbDocumentStore.open(dir.resolve("maintained"), POLICY);
         MapDbDocumentStore growing = MapDbDocumentStore.open(dir.resolve("growing"), CompactionPolicy.OFF)) {
      applyLoad(maintained);
      applyLoad(growing);
      await().atMost(Duration.ofMinutes(1)).until(() -> !maintained.isMaintaining());

      assertThat(maintained.usage().compactions()).isPositive();
      assertThat(maintained.usage().renewals()).isPositive();
      long records = maintained.usage().fileBytes() - maintained.usage().freeBytes();
      assertThat((double) maintained.usage().fileBytes()).as("file; records %d bytes", records)
          .isLessThanOrEqualTo(Math.max(2.0 * records, records + POLICY.minFreeBytes()) + SLACK);
      assertThat((double) growing.usage().fileBytes()).as("file without maintenance; records of the other %d bytes", records)
          .isGreaterThan(Math.max(2.0 * records, records + POLICY.minFreeBytes()) + SLACK);

      assertThat(maintained.digest()).isEqualTo(growing.digest());
      assertThat(history(maintained)).isEqualTo(history(growing)).hasSize(2_000);
      assertThat(maintained.sessions().count()).isEqualTo(growing.sessions().count()).isPositive();
    }
  }

  @Test
  void aMaintainedStoreReopensWithTheSameContent() {
    String digest;
    List<String> history;
    try (MapDbDocumentStore maintained = MapDbDocumentStore.open(dir, POLICY)) {
      applyLoad(maintained);
      await().atMost(Duration.ofMinutes(1)).until(() -> !maintained.isMaintaining());
      assertThat(maintained.usage().renewals()).isPositive();
      digest = maintained.digest();
      history = history(maintained);
    }
    try (MapDbDocumentStore reopened = MapDbDocumentStore.open(dir, POLICY)) {
      assertThat(reopened.foundDamaged()).isFalse();
      assertThat(reopened.digest()).isEqualTo(digest);
      assertThat(history(reopened)).isEqualTo(history);
    }
  }

  /** Each history record with its index, as JSON. */
  private static List<String> history(MapDbDocumentStore store) {
    List<String> records = new ArrayList<>();
    store.history().after(0).forEachRemaining(entry -> records.add(entry.getKey() + " " + entry.getValue().toJson()));
    return records;
  }

  /** The same entries every time: the same seed, client and clock. */
  private static void applyLoad(MapDbDocumentStore store) {
    EntryApplier applier = new EntryApplier(store, new HistoryWindow(2_000, 1L << 30, Optional.empty()),
        new ChangeHub(0, 1_000, 1L << 20, Runnable::run), Duration.ofSeconds(1));
    WriteStamper stamper = new WriteStamper(new ObjectIds()::next);
    Random random = new Random(1);
    BsonDocument lsid = new BsonDocument("id", new BsonBinary(new UUID(1, 2)));
    long wallTime = 1_700_000_000_000L;
    for (int i = 1; i <= ENTRIES; i++) {
      byte[] value = new byte[200];
      random.nextBytes(value);
      BsonDocument command = i <= DOCUMENTS
          ? new BsonDocument("insert", new BsonString("c")).append("documents",
              new BsonArray(List.of(new BsonDocument("_id", new BsonInt32(i)).append("v", new BsonBinary(value)))))
          : new BsonDocument("update", new BsonString("c")).append("updates", new BsonArray(List.of(
              new BsonDocument("q", new BsonDocument("_id", new BsonInt32(1 + random.nextInt(DOCUMENTS))))
                  .append("u", new BsonDocument("$set", new BsonDocument("v", new BsonBinary(value)))))));
      command.append("$db", new BsonString("db")).append("lsid", lsid).append("txnNumber", new BsonInt64(i));
      byte[] entry = stamper.stamp(LogEntry.toBytes(command), ++wallTime).encode();
      applier.apply(new Position(1, i), LogEntry.decode(ByteBuffer.wrap(entry)), Optional.empty());
    }
  }

  /** Object ids from a counter, so that both stores get the same ones. */
  private static final class ObjectIds {
    private int next;

    ObjectId next() {
      return new ObjectId(new java.util.Date(0), next++);
    }
  }
}
