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
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
 * A store under a steady load, long enough for MapDB's unreused space to show: updates of a fixed set
 * of documents, each one a retryable write whose session entry expires after a second, with a change
 * history of 2,000 entries. The file stays within what the compaction policy allows; without
 * compaction it does not. Both stores end with the same content.
 */
class BoundedStoreTest {
  private static final int DOCUMENTS = 2_000;
  private static final int ENTRIES = 120_000;
  private static final CompactionPolicy POLICY = new CompactionPolicy(1L << 20, 0.5);
  /** What the policy allows (free space under half the file, or under its 1 MiB), and 1 MiB more: the free space is checked every 1,024 entries. */
  private static final double SLACK = 1 << 20;

  @TempDir
  Path dir;

  @Test
  void theStoreFileStaysWithinTwiceItsRecordsUnderASteadyLoad() throws IOException {
    Path compactedDir = dir.resolve("compacted");
    Path growingDir = dir.resolve("growing");
    String compactedDigest;
    String growingDigest;
    try (MapDbDocumentStore compacted = MapDbDocumentStore.open(compactedDir, POLICY);
         MapDbDocumentStore growing = MapDbDocumentStore.open(growingDir, new CompactionPolicy(Long.MAX_VALUE, 1))) {
      applyLoad(compacted);
      applyLoad(growing);
      await().atMost(Duration.ofMinutes(1)).until(() -> !compacted.isCompacting());

      assertThat(compacted.compactions()).isPositive();
      assertThat(growing.compactions()).isZero();
      long live = compacted.fileBytes() - compacted.freeBytes();
      assertThat((double) fileBytes(compactedDir)).as("compacted file; live records %d bytes", live)
          .isLessThanOrEqualTo(Math.max(2.0 * live, live + POLICY.minFreeBytes()) + SLACK);
      assertThat((double) fileBytes(growingDir)).as("file never compacted; live records %d bytes", live)
          .isGreaterThan(Math.max(2.0 * live, live + POLICY.minFreeBytes()) + SLACK);
      compactedDigest = compacted.digest();
      growingDigest = growing.digest();
      assertThat(compactedDigest).isEqualTo(growingDigest);
    }
    try (MapDbDocumentStore reopened = MapDbDocumentStore.open(compactedDir)) {
      assertThat(reopened.foundDamaged()).isFalse();
      assertThat(reopened.digest()).isEqualTo(compactedDigest);
    }
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

  private static long fileBytes(Path storeDir) throws IOException {
    return Files.size(storeDir.resolve("store.mapdb"));
  }

  /** Object ids from a counter, so that both stores get the same ones. */
  private static final class ObjectIds {
    private int next;

    ObjectId next() {
      return new ObjectId(new java.util.Date(0), next++);
    }
  }
}
