package io.sluice.statemachine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.protocol.Position;
import io.sluice.statemachine.changestream.ChangeHub;
import io.sluice.statemachine.changestream.HistoryWindow;
import io.sluice.statemachine.command.LogEntry;
import io.sluice.statemachine.command.WriteStamper;
import io.sluice.statemachine.storage.Checkpoint;
import io.sluice.statemachine.storage.CompactionPolicy;
import io.sluice.statemachine.storage.MapDbDocumentStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Stream;
import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

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

  /** The load's entries, as a Raft log holds them: every store applies the same bytes. */
  private static final List<byte[]> ENTRY_BYTES = entries();

  @TempDir
  Path dir;

  @Test
  void theStoreFileStaysWithinTwiceItsRecordsUnderASteadyLoad() {
    try (MapDbDocumentStore maintained = MapDbDocumentStore.open(dir.resolve("maintained"), POLICY);
         MapDbDocumentStore growing = MapDbDocumentStore.open(dir.resolve("growing"), CompactionPolicy.OFF)) {
      new Load(maintained).applyThrough(ENTRIES);
      new Load(growing).applyThrough(ENTRIES);
      await().atMost(Duration.ofMinutes(1)).until(() -> !maintained.isMaintaining());

      assertThat(maintained.usage().compactions()).isPositive();
      assertThat(maintained.usage().renewals()).isPositive();
      assertThat((double) maintained.usage().fileBytes()).as("file; records %d bytes", records(maintained))
          .isLessThanOrEqualTo(allowedFileBytes(maintained));
      assertThat((double) growing.usage().fileBytes()).as("file without maintenance; records %d bytes", records(growing))
          .isGreaterThan(allowedFileBytes(growing));

      assertSameContent(maintained, growing);
      assertThat(history(maintained)).hasSize(2_000);
      // The files the compactions replaced are unmapped once collected, so their disk space is free (df
      // agrees with du): nothing keeps them reachable. A node asks for that collection itself, where its
      // flags make it concurrent; this JVM has not those flags, and its heap may not be collected for a while.
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        System.gc();
        return deletedButMapped(dir.resolve("maintained"));
      }, List::isEmpty);
    }
  }

  /** This JVM's mappings of files under {@code dir} that are deleted: their blocks are not free yet. */
  private static List<String> deletedButMapped(Path dir) throws IOException {
    try (Stream<String> maps = Files.lines(Path.of("/proc/self/maps"))) {
      return maps.filter(line -> line.contains(dir.toString()) && line.endsWith("(deleted)")).toList();
    }
  }

  private static long records(MapDbDocumentStore store) {
    return store.usage().fileBytes() - store.usage().freeBytes();
  }

  /** What the compaction policy lets the store's file hold beside its records. */
  private static double allowedFileBytes(MapDbDocumentStore store) {
    return Math.max(2.0 * records(store), records(store) + POLICY.minFreeBytes()) + SLACK;
  }

  @Test
  void aMaintainedStoreReopensWithTheSameContent() {
    String digest;
    List<String> history;
    try (MapDbDocumentStore maintained = MapDbDocumentStore.open(dir, POLICY)) {
      new Load(maintained).applyThrough(ENTRIES);
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

  /** What a store's maintenance is doing when a checkpoint is restored. */
  enum Maintaining {
    /** A renewal, at its first step under the write lock (compaction never due). */
    RENEWING(new CompactionPolicy(Long.MAX_VALUE, 0.5)),
    /** A compaction, copying (or, copied, waiting for the write lock), or a renewal if one is due first. */
    COMPACTING(POLICY);

    final CompactionPolicy policy;

    Maintaining(CompactionPolicy policy) {
      this.policy = policy;
    }
  }

  /**
   * A follower that is sent a snapshot restores it whatever its maintenance is doing: the renewal or
   * compaction under way is dropped, the store holds the snapshot, and maintenance goes on from there.
   * The entries are applied under one hold of the write lock, as by a slow apply thread, so that the
   * maintainer, once started, cannot finish a step that needs it before the restore.
   */
  @ParameterizedTest
  @EnumSource(Maintaining.class)
  void aStoreRestoredWhileItsMaintenanceRunsHoldsTheCheckpointAndIsMaintainedAfter(Maintaining maintaining) throws Exception {
    int checkpointAt = 10_000;
    int last = 60_000;
    try (MapDbDocumentStore store = MapDbDocumentStore.open(dir.resolve("store"), maintaining.policy);
         MapDbDocumentStore reference = MapDbDocumentStore.open(dir.resolve("reference"), CompactionPolicy.OFF)) {
      Load load = new Load(store);
      Load referenceLoad = new Load(reference);
      long compactionsBefore;
      load.applyThrough(checkpointAt);
      referenceLoad.applyThrough(checkpointAt);
      await().atMost(Duration.ofMinutes(1)).until(() -> !store.isMaintaining());
      Path checkpointFile = dir.resolve("checkpoint");
      try (Checkpoint checkpoint = store.checkpoint(checkpointFile)) {
        checkpoint.finish(chunk -> { });
      }

      store.writeLock().lock();
      try {
        applyUntilTheMaintainerWaitsForTheLock(store, load, last);
        compactionsBefore = store.usage().compactions();
        store.restore(checkpointFile);
      } finally {
        store.writeLock().unlock();
      }

      assertSameContent(store, reference);
      load.applied = checkpointAt;
      load.applyThrough(last);
      referenceLoad.applyThrough(last);
      await().atMost(Duration.ofMinutes(1)).until(() -> !store.isMaintaining());
      assertThat(store.usage().renewals()).as("renewals after the restore").isPositive();
      if (maintaining == Maintaining.COMPACTING) {
        assertThat(store.usage().compactions()).as("compactions after the restore").isGreaterThan(compactionsBefore);
      }
      assertSameContent(store, reference);
    }
  }

  /**
   * A node stopped while its store's maintenance runs: the renewal or compaction under way stops at its
   * next step, the store closes cleanly, and it reopens holding every entry applied, with its maintenance
   * going on from there. As above, the entries are applied under one hold of the write lock, so that
   * the close starts while the maintainer waits for it.
   */
  @ParameterizedTest
  @EnumSource(Maintaining.class)
  void aStoreClosedWhileItsMaintenanceRunsReopensWithEveryEntryAndIsMaintainedAfter(Maintaining maintaining) throws Exception {
    int last = 60_000;
    Path storeDir = dir.resolve("store");
    try (MapDbDocumentStore reference = MapDbDocumentStore.open(dir.resolve("reference"), CompactionPolicy.OFF)) {
      Load referenceLoad = new Load(reference);
      MapDbDocumentStore store = MapDbDocumentStore.open(storeDir, maintaining.policy);
      Load load = new Load(store);
      Thread closer = new Thread(store::close, "closer");
      store.writeLock().lock();
      try {
        applyUntilTheMaintainerWaitsForTheLock(store, load, last);
        closer.start();
        await().atMost(Duration.ofMinutes(1)).until(() -> waitsIn(closer, "awaitTermination"));
      } finally {
        store.writeLock().unlock();
      }
      closer.join(Duration.ofMinutes(1).toMillis());
      assertThat(closer.isAlive()).as("the close is done").isFalse();
      assertThat(store.isOpen()).isFalse();
      referenceLoad.applyThrough(load.applied);

      try (MapDbDocumentStore reopened = MapDbDocumentStore.open(storeDir, maintaining.policy)) {
        assertThat(reopened.foundDamaged()).as("closed cleanly").isFalse();
        assertSameContent(reopened, reference);
        Load reopenedLoad = new Load(reopened);
        reopenedLoad.applied = load.applied;
        reopenedLoad.applyThrough(last);
        referenceLoad.applyThrough(last);
        await().atMost(Duration.ofMinutes(1)).until(() -> !reopened.isMaintaining());
        assertThat(reopened.usage().renewals()).as("renewals after the reopen").isPositive();
        assertSameContent(reopened, reference);
      }
    }
  }

  private static boolean waitsIn(Thread thread, String method) {
    return (thread.getState() == Thread.State.WAITING || thread.getState() == Thread.State.TIMED_WAITING)
        && java.util.Arrays.stream(thread.getStackTrace()).anyMatch(frame -> frame.getMethodName().equals(method));
  }

  /** Applies entries one at a time (the caller holds the write lock) until maintenance starts and waits for that lock. */
  private static void applyUntilTheMaintainerWaitsForTheLock(MapDbDocumentStore store, Load load, int last) {
    while (!store.isMaintaining() && load.applied < last) {
      load.applyThrough(load.applied + 1);
    }
    assertThat(store.isMaintaining()).as("maintenance started by entry %d", load.applied).isTrue();
    await().atMost(Duration.ofMinutes(1)).until(BoundedStoreTest::maintainerWaitsForTheLock);
  }

  /** The maintainer is at work (in {@code maintain}) and waits: for the write lock, the only thing it waits for. */
  private static boolean maintainerWaitsForTheLock() {
    return Thread.getAllStackTraces().entrySet().stream().anyMatch(thread -> thread.getKey().getName().equals("store-maintainer")
        && thread.getKey().getState() == Thread.State.WAITING
        && java.util.Arrays.stream(thread.getValue()).anyMatch(frame -> frame.getMethodName().equals("maintain")));
  }

  private static void assertSameContent(MapDbDocumentStore store, MapDbDocumentStore reference) {
    assertThat(store.digest()).isEqualTo(reference.digest());
    assertThat(history(store)).isEqualTo(history(reference));
    assertThat(store.sessions().count()).isEqualTo(reference.sessions().count()).isEqualTo(SESSIONS);
  }

  /** Each history record with its index, as JSON. */
  private static List<String> history(MapDbDocumentStore store) {
    List<String> records = new ArrayList<>();
    store.history().after(0).forEachRemaining(entry -> records.add(entry.getKey() + " " + entry.getValue().toJson()));
    return records;
  }

  /** Applies {@link #ENTRY_BYTES} to a store, in order, as its state machine would. */
  private static final class Load {
    private final EntryApplier applier;
    /** The index of the last entry applied. */
    int applied;

    Load(MapDbDocumentStore store) {
      applier = new EntryApplier(store, new HistoryWindow(2_000, 1L << 30, Optional.empty()),
          new ChangeHub(0, 1_000, 1L << 20, Runnable::run), Duration.ofSeconds(1));
    }

    void applyThrough(int index) {
      for (; applied < index; applied++) {
        byte[] entry = ENTRY_BYTES.get(applied);
        applier.apply(new Position(1, applied + 1), LogEntry.decode(ByteBuffer.wrap(entry)));
      }
    }
  }

  /** Sessions the entries take turns on. */
  private static final int SESSIONS = 50;

  /** The same entries every time: the same seed, sessions and clock. */
  private static List<byte[]> entries() {
    WriteStamper stamper = new WriteStamper(new ObjectIds()::next);
    Random random = new Random(1);
    long wallTime = 1_700_000_000_000L;
    List<byte[]> entries = new ArrayList<>(ENTRIES);
    for (int i = 1; i <= ENTRIES; i++) {
      byte[] value = new byte[200];
      random.nextBytes(value);
      BsonDocument command = i <= DOCUMENTS
          ? new BsonDocument("insert", new BsonString("c")).append("documents",
              new BsonArray(List.of(new BsonDocument("_id", new BsonInt32(i)).append("v", new BsonBinary(value)))))
          : new BsonDocument("update", new BsonString("c")).append("updates", new BsonArray(List.of(
              new BsonDocument("q", new BsonDocument("_id", new BsonInt32(1 + random.nextInt(DOCUMENTS))))
                  .append("u", new BsonDocument("$set", new BsonDocument("v", new BsonBinary(value)))))));
      command.append("$db", new BsonString("db")).append("lsid", new BsonDocument("id", new BsonBinary(new UUID(1, i % SESSIONS))))
          .append("txnNumber", new BsonInt64(i));
      entries.add(stamper.stamp(LogEntry.toBytes(command), ++wallTime).encode());
    }
    return entries;
  }

  /** Object ids from a counter, so that both stores get the same ones. */
  private static final class ObjectIds {
    private int next;

    ObjectId next() {
      return new ObjectId(new java.util.Date(0), next++);
    }
  }
}
