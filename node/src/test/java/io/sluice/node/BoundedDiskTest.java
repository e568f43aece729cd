package io.sluice.node;

import static com.mongodb.client.model.Filters.eq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.mongodb.client.model.Updates;
import io.sluice.client.SluiceCollection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.awaitility.core.ThrowingRunnable;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Under a steady write load that keeps the data the same size, a node's data directory stops growing:
 * snapshots replace each other, the log is purged behind them, the change history keeps its window
 * and the session table forgets old writes.
 */
class BoundedDiskTest {
  private static final int ROUNDS = 10;
  private static final int WRITES_PER_ROUND = 300;
  /** One MapDB growth step (1 MiB) of the store file and of each of the two snapshots, its copies. */
  private static final long ONE_STEP_OF_EACH_STORE_COPY = 3L << 20;

  @TempDir
  Path dir;

  @Test
  void theDataDirectoryStopsGrowingUnderASteadyLoad() throws Throwable {
    try (LocalCluster cluster = LocalCluster.start(dir, 3, b -> b.snapshotEveryEntries(200).snapshotsRetained(2)
        .logEntriesKeptAfterSnapshot(0).raftSegmentSizeMb(1).historyMaxEntries(300).sessionLifetimeSeconds(2))) {
      List<Long> sizes = sizesByRound(cluster.client().getDatabase("db").getCollection("c"), cluster::awaitIdenticalState,
          cluster.config(0).dataDir());
      assertLevelsOff(sizes);
      assertThat(cluster.node(0).status().logStartIndex()).isGreaterThan(ROUNDS * WRITES_PER_ROUND / 2);
      // A third file lives for a moment between a new snapshot's rename and the deletion of the oldest.
      await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(SnapshotTest.snapshotFiles(cluster.config(0))).hasSizeLessThanOrEqualTo(2));
    }
  }

  /**
   * Loads 100 documents of 1 KB, then updates them in rounds, keeping their number and size; returns a
   * node's data size (its Raft log, snapshots and store) after each round, once every node applied it.
   */
  static List<Long> sizesByRound(SluiceCollection c, ThrowingRunnable awaitIdenticalState, Path dataDir) throws Throwable {
    for (int i = 0; i < 100; i++) {
      c.insertOne(new Document("_id", i).append("n", 0).append("pad", "x".repeat(1000)));
    }
    List<Long> sizes = new ArrayList<>();
    for (int round = 0; round < ROUNDS; round++) {
      for (int i = 0; i < WRITES_PER_ROUND; i++) {
        c.updateOne(eq("_id", i % 100), Updates.combine(Updates.inc("n", 1), Updates.set("pad", (char) ('a' + round) + "x".repeat(1000))));
      }
      awaitIdenticalState.run();
      // Measured between snapshots: one being written adds a store-sized temporary file until it is done.
      await().atMost(Duration.ofSeconds(30)).until(() -> !snapshotBeingWritten(dataDir));
      sizes.add(size(dataDir.resolve("raft")) + size(dataDir.resolve("store")));
    }
    return sizes;
  }

  /**
   * Fails unless the sizes of the second half of the rounds stay within those of the first. MapDB
   * grows its file in steps of 1 MiB and reuses freed space, so the store levels off rather than
   * stopping dead: one more step of the store and of its two snapshots is leveling off, two are growth.
   * What must not grow with the writes is the log and the number of snapshots.
   */
  static void assertLevelsOff(List<Long> sizes) {
    long early = Collections.max(sizes.subList(0, sizes.size() / 2));
    long late = Collections.max(sizes.subList(sizes.size() / 2, sizes.size()));
    assertThat(late).as("data directory sizes by round: %s", sizes).isLessThanOrEqualTo(early + early / 4 + ONE_STEP_OF_EACH_STORE_COPY);
  }

  /** Whether a snapshot is being written, which adds a store-sized temporary file until it is done. */
  static boolean snapshotBeingWritten(Path dataDir) throws IOException {
    try (Stream<Path> files = Files.list(SnapshotTest.snapshotDir(dataDir))) {
      return files.anyMatch(f -> f.getFileName().toString().endsWith(".tmp"));
    }
  }

  static long size(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
    }
  }
}
