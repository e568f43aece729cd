package io.sluice.node;

import static com.mongodb.client.model.Filters.eq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.mongodb.client.model.Updates;
import io.sluice.client.ChangeStreamCursor;
import io.sluice.client.ChangeStreamDocument;
import io.sluice.client.SluiceCollection;
import io.sluice.node.admin.ClusterAdmin;
import io.sluice.protocol.ClusterNaming;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import io.sluice.protocol.ResumeToken;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Snapshots: taken every few entries, the log purged behind them, installed by a follower that is
 * behind the purged log or lost its disk, and used to rebuild a store cut off by a crash. Every test
 * ends with all nodes at the same digest.
 */
class SnapshotTest {
  private static final String GROUP = org.apache.ratis.protocol.RaftGroupId.valueOf(
      ClusterNaming.groupId(ClusterNaming.DEFAULT_CLUSTER_NAME)).getUuid().toString();

  @TempDir
  Path dir;

  /**
   * Small thresholds, so that a few hundred writes take snapshots and purge the log (Ratis purges
   * whole closed segments only: 1 MiB segments, and writes of 5 KB).
   */
  private LocalCluster startCluster() {
    return LocalCluster.start(dir, 3, b -> b.snapshotEveryEntries(100).logEntriesKeptAfterSnapshot(0).snapshotsRetained(2)
        .raftSegmentSizeMb(1));
  }

  private static void insert(SluiceCollection c, int from, int to) {
    for (int i = from; i < to; i++) {
      c.insertOne(new Document("_id", i).append("n", 0).append("pad", "x".repeat(5000)));
    }
  }

  @Test
  void snapshotsAreTakenEveryNEntriesAndTheLogIsPurgedBehindThem() throws IOException {
    try (LocalCluster cluster = startCluster()) {
      SluiceCollection c = cluster.client().getDatabase("db").getCollection("c");
      insert(c, 0, 450);
      cluster.awaitIdenticalState();
      // Snapshots are written in the background, after the entries are applied.
      await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
        for (int i = 0; i < cluster.size(); i++) {
          NodeStatus status = cluster.node(i).status();
          assertThat(status.snapshotIndex()).as("snapshot of node %d", i).isGreaterThanOrEqualTo(300);
          assertThat(status.logStartIndex()).as("first log entry of node %d", i).isGreaterThan(1);
          assertThat(snapshotFiles(cluster.config(i))).as("snapshots kept by node %d", i).hasSizeLessThanOrEqualTo(2);
        }
      });
    }
  }

  @Test
  void aFollowerBehindThePurgedLogInstallsASnapshotAndServesTheSameEvents() {
    try (LocalCluster cluster = startCluster()) {
      SluiceCollection c = cluster.client().getDatabase("db").getCollection("c");
      insert(c, 0, 20);
      int leader = cluster.awaitLeader();
      int follower = cluster.aFollower();
      cluster.awaitIdenticalState();
      ResumeToken token = c.watch().onNode(cluster.node(leader).config().address()).cursor().getResumeToken();
      long appliedBefore = cluster.node(follower).appliedPosition().index();

      cluster.stop(follower);
      for (int i = 0; i < 20; i++) {
        c.updateOne(eq("_id", i), Updates.inc("n", 1));
      }
      insert(c, 20, 400);
      await().atMost(Duration.ofSeconds(90)).until(() -> cluster.node(cluster.awaitLeader()).status().logStartIndex() > appliedBefore + 1);
      cluster.start(follower);
      cluster.awaitIdenticalState();

      assertThat(cluster.node(follower).status().snapshotIndex()).as("the follower installed a snapshot").isGreaterThan(appliedBefore);
      List<String> fromLeader = events(c, token, cluster.node(cluster.awaitLeader()).config().address(), 400);
      List<String> fromFollower = events(c, token, cluster.node(follower).config().address(), 400);
      assertThat(fromFollower).hasSize(400).isEqualTo(fromLeader);
    }
  }

  @Test
  void aFollowerThatLostItsDiskIsRebuiltFromASnapshotUnderWrites() throws Exception {
    try (LocalCluster cluster = startCluster()) {
      SluiceCollection c = cluster.client().getDatabase("db").getCollection("c");
      insert(c, 0, 150);
      int follower = cluster.aFollower();
      cluster.awaitIdenticalState();
      long appliedBefore = cluster.node(follower).appliedPosition().index();
      cluster.stop(follower);
      deleteRecursively(cluster.config(follower).dataDir());
      insert(c, 150, 400);
      await().atMost(Duration.ofSeconds(90)).until(() -> cluster.node(cluster.awaitLeader()).status().logStartIndex() > appliedBefore + 1);

      // A writer goes on while the follower starts and installs the snapshot.
      SequentialWriter writer = new SequentialWriter(cluster.client().getDatabase("db").getCollection("w"));
      try (writer) {
        cluster.start(follower);
        await().atMost(Duration.ofSeconds(90)).until(() -> cluster.node(follower).status().snapshotIndex() > appliedBefore);
        // Checked at once: the follower's own snapshots, 100 entries apart, replace the installed one after two.
        Path installed = snapshotFiles(cluster.config(follower)).get(0);
        assertThat(installed.resolveSibling(installed.getFileName() + ".crc32c")).as("sent with its checksum file").exists();
        assertThat(installed.resolveSibling(installed.getFileName() + ".md5")).as("installed by Ratis").exists();
        writer.awaitMore(20);
      }
      assertThat(SequentialWriter.stored(cluster.client().getDatabase("db").getCollection("w"))).containsAll(writer.acknowledged);
      insert(c, 400, 450);
      cluster.awaitIdenticalState();
      assertThat(c.countDocuments()).isEqualTo(450);
    }
  }

  @Test
  void aStoreCutOffByACrashIsRebuiltFromTheSnapshotAndTheLog() {
    try (LocalCluster cluster = startCluster()) {
      SluiceCollection c = cluster.client().getDatabase("db").getCollection("c");
      insert(c, 0, 250);
      int follower = cluster.aFollower();
      cluster.awaitIdenticalState();
      cluster.crash(follower);
      insert(c, 250, 260);
      cluster.start(follower);
      cluster.awaitIdenticalState();
      assertThat(cluster.node(follower).stateMachine().store().appliedState().position())
          .isEqualTo(cluster.node(cluster.awaitLeader()).appliedPosition());
    }
  }

  /** An operator's snapshot holds every write applied before it was asked for, the second one too. */
  @Test
  void eachSnapshotAnOperatorAsksForHoldsTheWritesBeforeIt() {
    try (LocalCluster cluster = LocalCluster.start(dir, 3, b -> b.snapshotEveryEntries(1_000_000))) {
      SluiceCollection c = cluster.client().getDatabase("db").getCollection("c");
      ClusterAdmin admin = cluster.admin();
      int leader = cluster.awaitLeader();
      insert(c, 0, 10);
      long firstAsked = cluster.node(leader).appliedPosition().index();
      long first = admin.snapshot(null);
      insert(c, 10, 20);
      long secondAsked = cluster.node(leader).appliedPosition().index();
      long second = admin.snapshot(null);

      assertThat(first).isGreaterThanOrEqualTo(firstAsked);
      assertThat(second).isGreaterThanOrEqualTo(secondAsked).isGreaterThan(first);
      assertThat(cluster.node(leader).status().snapshotIndex()).isEqualTo(second);
      cluster.awaitIdenticalState();
    }
  }

  /**
   * A snapshot does not hold up reads or writes while it is written: at 1 MiB/s a store of several
   * MiB takes seconds to copy, and a read, a follower read and a write each return meanwhile, with
   * the data they should see. (How long they wait is measured by {@code bench durability}, not here.)
   */
  @Test
  void readsAndWritesGoOnWhileASnapshotIsWritten() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(dir, 3, b -> b.snapshotEveryEntries(1_000_000).snapshotWriteMibPerSecond(1))) {
      SluiceCollection c = cluster.client().getDatabase("db").getCollection("c");
      insert(c, 0, 1_000);
      int leader = cluster.awaitLeader();
      java.util.concurrent.CompletableFuture<Long> snapshot = java.util.concurrent.CompletableFuture.supplyAsync(
          () -> cluster.admin().snapshot(cluster.address(leader)));
      await().atMost(Duration.ofSeconds(30)).until(() -> BoundedDiskTest.snapshotBeingWritten(cluster.config(leader).dataDir()));

      assertThat(c.countDocuments()).isEqualTo(1_000);
      assertThat(c.find(eq("_id", 500)).first().getInteger("n")).isZero();
      c.updateOne(eq("_id", 500), Updates.inc("n", 1));
      assertThat(c.find(eq("_id", 500)).first().getInteger("n")).isEqualTo(1);
      assertThat(c.withReadPreference(io.sluice.client.ReadPreference.follower()).find(eq("_id", 500)).first().getInteger("n")).isEqualTo(1);
      assertThat(BoundedDiskTest.snapshotBeingWritten(cluster.config(leader).dataDir())).as("the snapshot is still being written").isTrue();
      assertThat(snapshot).isNotDone();

      assertThat(snapshot.get(120, java.util.concurrent.TimeUnit.SECONDS)).isGreaterThanOrEqualTo(1_000);
      cluster.awaitIdenticalState();
    }
  }

  /**
   * Regression: a node writes a snapshot in the background and Ratis learned of an operator's only at
   * its next snapshot, so the log was not purged up to it until then.
   */
  @Test
  void theLogIsPurgedUpToAnOperatorsSnapshotAtOnce() {
    try (LocalCluster cluster = LocalCluster.start(dir, 3, b -> b.snapshotEveryEntries(1_000_000).logEntriesKeptAfterSnapshot(0)
        .raftSegmentSizeMb(1))) {
      insert(cluster.client().getDatabase("db").getCollection("c"), 0, 1_200);
      int leader = cluster.awaitLeader();
      long snapshot = cluster.admin().snapshot(null);
      await().atMost(Duration.ofSeconds(90)).until(() -> cluster.node(leader).status().logStartIndex() > 1);
      assertThat(cluster.node(leader).status().logStartIndex()).isLessThanOrEqualTo(snapshot + 1);
      cluster.awaitIdenticalState();
    }
  }

  /**
   * The log is kept well below the snapshots, so the snapshot before the damaged one still meets it.
   * A crashed node must load a snapshot to rebuild its store; a cleanly stopped one only checks it.
   */
  @ParameterizedTest(name = "crashed: {0}")
  @ValueSource(booleans = {true, false})
  void aSnapshotCutOffMidWriteOrDamagedIsSetAsideAtStartAndNeverLoaded(boolean crashed) throws IOException {
    try (LocalCluster cluster = LocalCluster.start(dir, 3, b -> b.snapshotEveryEntries(100).logEntriesKeptAfterSnapshot(10_000))) {
      SluiceCollection c = cluster.client().getDatabase("db").getCollection("c");
      insert(c, 0, 250);
      int follower = cluster.aFollower();
      cluster.awaitIdenticalState();
      if (crashed) {
        cluster.crash(follower);
      } else {
        cluster.stop(follower);
      }
      Path newest = damageNewestSnapshot(cluster.config(follower));
      Path cutOff = newest.resolveSibling("snapshot.99_100000.tmp");
      Files.write(cutOff, new byte[] {1, 2, 3});

      cluster.start(follower);
      assertThat(newest.resolveSibling(newest.getFileName() + ".corrupt")).as("set aside during start").exists();
      assertThat(cutOff).as("deleted during start").doesNotExist();
      assertThat(cluster.node(follower).status().snapshotIndex()).as("the damaged snapshot is not the latest")
          .isNotEqualTo(index(newest));
      insert(c, 250, 260);
      cluster.awaitIdenticalState();
    }
  }

  private static long index(Path snapshot) {
    return Long.parseLong(snapshot.getFileName().toString().replaceAll(".*_", ""));
  }

  /** With {@code corruptLogPolicy: rejoin} too: the log is not what is damaged, and the node keeps its data. */
  @ParameterizedTest(name = "corruptLogPolicy: {0}")
  @ValueSource(strings = {"fail", "rejoin"})
  void damagedSnapshotsTheLogNoLongerCoversStopTheNodeWithWhatToDo(String corruptLogPolicy) throws IOException {
    try (LocalCluster cluster = LocalCluster.start(dir, 3, b -> b.snapshotEveryEntries(100).logEntriesKeptAfterSnapshot(0).snapshotsRetained(2)
        .raftSegmentSizeMb(1).corruptLogPolicy(corruptLogPolicy))) {
      SluiceCollection c = cluster.client().getDatabase("db").getCollection("c");
      insert(c, 0, 450);
      int follower = cluster.aFollower();
      cluster.awaitIdenticalState();
      assertThat(cluster.node(follower).status().logStartIndex()).as("the follower purged its log").isGreaterThan(1);
      cluster.crash(follower);
      for (Path snapshot : snapshotFiles(cluster.config(follower))) {
        damage(snapshot);
      }

      assertThatThrownBy(() -> cluster.start(follower)).isInstanceOf(NodeStartException.class)
          .hasMessageContaining("newest intact snapshot").hasMessageContaining("--rejoin");
      assertThat(cluster.config(follower).dataDir().resolve("raft")).as("not wiped").isNotEmptyDirectory();
      assertThat(cluster.admin().members()).extracting(io.sluice.node.admin.Member::address).contains(cluster.config(follower).address());
      insert(c, 450, 460);
      assertThat(c.countDocuments()).as("the other two go on").isEqualTo(460);
      cluster.awaitIdenticalState();
    }
  }

  private static Path damageNewestSnapshot(NodeConfig config) throws IOException {
    List<Path> snapshots = snapshotFiles(config);
    return damage(snapshots.get(snapshots.size() - 1));
  }

  private static Path damage(Path snapshot) throws IOException {
    byte[] bytes = Files.readAllBytes(snapshot);
    bytes[bytes.length / 2] ^= 0x5a;
    Files.write(snapshot, bytes);
    return snapshot;
  }

  private static List<String> events(SluiceCollection c, ResumeToken token, String node, int count) {
    List<String> out = new ArrayList<>();
    try (ChangeStreamCursor<ChangeStreamDocument> stream = c.watch().resumeAfter(token).onNode(node).cursor()) {
      while (out.size() < count) {
        ChangeStreamDocument event = stream.next();
        out.add(event.getDocument().toJson());
      }
    }
    return out;
  }

  static Path snapshotDir(NodeConfig config) {
    return snapshotDir(config.dataDir());
  }

  static Path snapshotDir(Path dataDir) {
    return dataDir.resolve("raft").resolve(GROUP).resolve("sm");
  }

  static List<Path> snapshotFiles(NodeConfig config) throws IOException {
    return snapshotFiles(config.dataDir());
  }

  static List<Path> snapshotFiles(Path dataDir) throws IOException {
    try (Stream<Path> files = Files.list(snapshotDir(dataDir))) {
      return files.filter(f -> f.getFileName().toString().matches("snapshot\\.\\d+_\\d+"))
          .sorted(java.util.Comparator.comparingLong(f -> Long.parseLong(f.getFileName().toString().replaceAll(".*_", "")))).toList();
    }
  }

  static void deleteRecursively(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
