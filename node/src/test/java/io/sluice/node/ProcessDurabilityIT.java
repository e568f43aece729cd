package io.sluice.node;

import static com.mongodb.client.model.Filters.eq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceCollection;
import io.sluice.protocol.ClusterNaming;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.ratis.protocol.RaftGroupId;
import org.bson.BsonBinary;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.Document;
import org.bson.UuidRepresentation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The durability scenarios of the in-JVM tests ({@link MembershipTest}, {@link RetriedWriteTest},
 * {@link CorruptLogTest}, {@link BoundedDiskTest}) with node processes started by the launcher, as an
 * operator runs them: grown and shrunk by {@code ./sluice cluster add/remove}, killed with SIGKILL,
 * configured by editing {@code node.yml}. Each ends with every node at the same state digest.
 */
class ProcessDurabilityIT {
  private static final String GROUP = RaftGroupId.valueOf(ClusterNaming.groupId(ClusterNaming.DEFAULT_CLUSTER_NAME)).getUuid().toString();

  /** Kept when a test fails: the nodes' logs are in nodeN/node.log. */
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path data;
  private LauncherCluster cluster;

  @BeforeEach
  void choosePorts() {
    cluster = new LauncherCluster(data);
  }

  @AfterEach
  void down() throws Exception {
    cluster.run("cluster", "down");
  }

  @Test
  void growingToFiveAndShrinkingToThreeUnderWritesLosesNothingAndTheStreamSeesEachWriteOnceInOrder() throws Exception {
    cluster.run("cluster", "up");
    try (SluiceClient client = SluiceClient.connect(cluster.connection(1, 2, 3) + "/?timeoutMS=30000")) {
      SluiceCollection c = client.getDatabase("db").getCollection("c");
      int streamNode = cluster.leader() == 1 ? 2 : 1;
      SequentialWriter writer;
      try (StreamRecorder stream = new StreamRecorder(c.watch().onNode(cluster.raftAddress(streamNode)).cursor())) {
        writer = new SequentialWriter(c);
        try (writer) {
          writer.awaitMore(20);
          assertThat(cluster.run("cluster", "add", "4")).contains("added " + cluster.raftAddress(4));
          writer.awaitMore(20);
          assertThat(cluster.run("cluster", "add", "5")).contains("added " + cluster.raftAddress(5));
          writer.awaitMore(20);
          assertThat(members()).hasSize(5);

          // Shrink by the leader (unless it serves the stream), then by node 4.
          int leader = cluster.leader();
          int firstOut = leader != streamNode && leader <= 3 ? leader : IntStream.rangeClosed(1, 3)
              .filter(n -> n != streamNode && n != leader).findFirst().orElseThrow();
          cluster.run("cluster", "remove", String.valueOf(firstOut));
          writer.awaitMore(20);
          cluster.run("cluster", "remove", "4");
          writer.awaitMore(20);
        }
        assertThat(members()).hasSize(3).doesNotContain(cluster.raftAddress(4));
        cluster.awaitIdenticalState(3);

        stream.assertDeliveredOnceInOrder(writer, c);
      }
    }
  }

  /**
   * A write with session fields, resent after every node was killed and started again (no retry cache
   * survives that), gets the first reply and is not applied again: the session table is in the store.
   */
  @Test
  void aSessionWriteResentAfterEveryNodeWasKilledAndRestartedIsAppliedOnce() throws Exception {
    cluster.run("cluster", "up");
    BsonDocument session = new BsonDocument("id", new BsonBinary(UUID.randomUUID(), UuidRepresentation.STANDARD));
    BsonDocument write = RawCaller.increment().append("lsid", session).append("txnNumber", new BsonInt64(3));
    BsonDocument firstReply;
    try (RawCaller caller = caller()) {
      firstReply = caller.send(write, 1);
    }
    cluster.awaitIdenticalState(3);
    for (int n = 1; n <= 3; n++) {
      assertThat(cluster.run("cluster", "kill", String.valueOf(n))).contains("stopped (KILL)");
    }
    cluster.run("cluster", "up");

    try (RawCaller caller = caller()) {
      assertThat(caller.send(write, 1)).as("the same session write, from a client no node has heard of").isEqualTo(firstReply);
    }
    cluster.awaitIdenticalState(3);
    try (SluiceClient client = SluiceClient.connect(cluster.connection(1, 2, 3) + "/?timeoutMS=30000")) {
      assertThat(client.getDatabase("db").getCollection("c").find(eq("_id", 1)).first().getInteger("n")).as("applied once").isEqualTo(1);
    }
  }

  /**
   * A follower killed and found with a damaged last log segment: with the default policy it refuses to
   * start and its log says what to do; with {@code corruptLogPolicy: rejoin} in its {@code node.yml}
   * it wipes itself, rejoins the cluster and ends equal to the others.
   */
  @Test
  void aDamagedLastSegmentStopsTheNodeUntilItsPolicyIsRejoinThenItRejoins() throws Exception {
    cluster.run("cluster", "up");
    try (SluiceClient client = SluiceClient.connect(cluster.connection(1, 2, 3) + "/?timeoutMS=30000")) {
      SluiceCollection c = client.getDatabase("db").getCollection("c");
      for (int i = 0; i < 60; i++) {
        c.insertOne(new Document("_id", i).append("pad", "x".repeat(5000)));
      }
      cluster.awaitIdenticalState(3);
      int follower = cluster.leader() == 1 ? 2 : 1;
      cluster.run("cluster", "kill", String.valueOf(follower));
      CorruptLogTest.damageLastSegment(cluster.nodeDir(follower));

      Path log = cluster.nodeDir(follower).resolve("node.log");
      long logged = Files.size(log);
      cluster.run("cluster", "start", String.valueOf(follower));
      long pid = Long.parseLong(Files.readString(cluster.nodeDir(follower).resolve("node.pid")).trim());
      await().atMost(Duration.ofSeconds(60)).until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
      assertThat(Files.readString(log).substring((int) logged)).contains("is damaged", "corruptLogPolicy: rejoin", "--rejoin");
      for (int i = 60; i < 70; i++) {
        c.insertOne(new Document("_id", i));
      }

      Files.writeString(cluster.nodeDir(follower).resolve("node.yml"), "corruptLogPolicy: rejoin\n", StandardOpenOption.APPEND);
      cluster.run("cluster", "start", String.valueOf(follower));
      await().atMost(Duration.ofSeconds(120)).until(() -> Files.readString(log).contains("rejoin done"));
      c.insertOne(new Document("_id", 70));
      cluster.awaitIdenticalState(3);
      assertThat(c.countDocuments()).isEqualTo(71);
    }
  }

  /** The nodes' Raft logs, snapshots and stores stop growing under steady updates, with small limits in their node.yml. */
  @Test
  void theDataDirectoriesStopGrowingUnderASteadyLoad() throws Throwable {
    upWith("snapshotEveryEntries: 200", "snapshotsRetained: 2", "logEntriesKeptAfterSnapshot: 0", "raftSegmentSizeMb: 1",
        "historyMaxEntries: 300", "sessionLifetimeSeconds: 2");
    try (SluiceClient client = SluiceClient.connect(cluster.connection(1, 2, 3) + "/?timeoutMS=30000")) {
      List<Long> sizes = BoundedDiskTest.sizesByRound(client.getDatabase("db").getCollection("c"), () -> cluster.awaitIdenticalState(3),
          cluster.nodeDir(1));
      BoundedDiskTest.assertLevelsOff(sizes);
    }
    // A third file lives for a moment between a new snapshot's rename and the deletion of the oldest.
    await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(SnapshotTest.snapshotFiles(cluster.nodeDir(1))).hasSizeLessThanOrEqualTo(2));
  }

  /**
   * A follower whose disk is wiped rejoins ({@code ./sluice cluster rejoin}) while a writer goes on;
   * the leader's log is purged, so it is sent the leader's snapshot, then the entries after it.
   */
  @Test
  void aWipedFollowerRejoinsFromTheLeadersSnapshotUnderWrites() throws Exception {
    upWith("snapshotEveryEntries: 100", "logEntriesKeptAfterSnapshot: 0", "raftSegmentSizeMb: 1");
    try (SluiceClient client = SluiceClient.connect(cluster.connection(1, 2, 3) + "/?timeoutMS=30000")) {
      SluiceCollection data = client.getDatabase("db").getCollection("data");
      for (int i = 0; i < 300; i++) {
        data.insertOne(new Document("_id", i).append("pad", "x".repeat(5000)));
      }
      int follower = cluster.leader() == 1 ? 2 : 1;
      // The leader's snapshots are written in the background: once its log is purged, a new member needs one.
      await().atMost(Duration.ofSeconds(90)).until(() -> leaderLogStart() > 1);
      SequentialWriter writer = new SequentialWriter(client.getDatabase("db").getCollection("c"));
      try (writer) {
        writer.awaitMore(20);
        assertThat(cluster.run("cluster", "rejoin", String.valueOf(follower))).contains("node " + follower + " rejoined");
        writer.awaitMore(20);
      }
      cluster.awaitIdenticalState(3);
      assertThat(cluster.nodeDir(follower).resolve("node.log")).content().contains("loading the snapshot installed from the leader");
      assertThat(SequentialWriter.stored(client.getDatabase("db").getCollection("c"))).containsAll(writer.acknowledged);
      assertThat(data.countDocuments()).isEqualTo(300);
    }
  }

  @Test
  void aFollowerKilledWhileItInstallsASnapshotComesBackWithTheOthersState() throws Exception {
    // Small chunks make the install of a store of some 20 MiB last long enough to kill the follower in the middle of it.
    upWith("snapshotEveryEntries: 100", "logEntriesKeptAfterSnapshot: 0", "raftSegmentSizeMb: 1",
        "raftProperties: {raft.server.log.appender.snapshot.chunk.size.max: 8KB}");
    try (SluiceClient client = SluiceClient.connect(cluster.connection(1, 2, 3) + "/?timeoutMS=30000")) {
      SluiceCollection data = client.getDatabase("db").getCollection("data");
      int follower = cluster.leader() == 1 ? 2 : 1;
      cluster.run("cluster", "kill", String.valueOf(follower));
      for (int i = 0; i < 1_000; i++) {
        data.insertOne(new Document("_id", i).append("pad", "x".repeat(10_000)));
      }
      await().atMost(Duration.ofSeconds(90)).until(() -> leaderLogStart() > 500);

      Path log = cluster.nodeDir(follower).resolve("node.log");
      long before = Files.size(log);
      cluster.run("cluster", "start", String.valueOf(follower));
      // Ratis writes the chunks it receives under raft/<group>/tmp, and moves them into place at the end.
      Path received = cluster.nodeDir(follower).resolve("raft").resolve(GROUP).resolve("tmp");
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> holdsAFile(received));
      cluster.run("cluster", "kill", String.valueOf(follower));
      assertThat(since(log, before)).as("killed before the install was done").doesNotContain("loading the snapshot installed from the leader");

      long restart = Files.size(log);
      cluster.run("cluster", "start", String.valueOf(follower));
      data.insertOne(new Document("_id", "after"));
      cluster.awaitIdenticalState(3);
      assertThat(since(log, restart)).contains("loading the snapshot installed from the leader")
          .contains("left by an install of the leader's snapshot that did not finish");
      assertThat(holdsAFile(received)).as("the cut-off install's chunks deleted").isFalse();
      assertThat(data.countDocuments()).isEqualTo(1_001);
    }
  }

  private static boolean holdsAFile(Path dir) throws IOException {
    try (var files = Files.walk(dir)) {
      return files.anyMatch(Files::isRegularFile);
    } catch (NoSuchFileException e) {
      return false;
    }
  }

  @Test
  void aFollowerKilledWhileItWritesASnapshotDeletesItAtRestartAndComesBackWithTheOthersState() throws Exception {
    // At 1 MiB/s the snapshot of a store of some 20 MiB takes about 20 s: time to kill the node in the middle of it.
    upWith("snapshotEveryEntries: 1000000", "snapshotWriteMibPerSecond: 1");
    try (SluiceClient client = SluiceClient.connect(cluster.connection(1, 2, 3) + "/?timeoutMS=30000")) {
      SluiceCollection data = client.getDatabase("db").getCollection("data");
      for (int i = 0; i < 1_000; i++) {
        data.insertOne(new Document("_id", i).append("pad", "x".repeat(10_000)));
      }
      int follower = cluster.leader() == 1 ? 2 : 1;
      Path snapshots = cluster.nodeDir(follower).resolve("raft").resolve(GROUP).resolve("sm");
      Process snapshot = cluster.start("admin", "snapshot", "--node", cluster.raftAddress(follower));
      try {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> !snapshotFiles(snapshots).isEmpty());
        cluster.run("cluster", "kill", String.valueOf(follower));
      } finally {
        // The launcher runs the admin command's JVM as its child: stop both, so it cannot ask the restarted node again.
        snapshot.descendants().forEach(ProcessHandle::destroyForcibly);
        snapshot.destroyForcibly().waitFor();
      }
      assertThat(snapshotFiles(snapshots)).as("cut off while being written").allMatch(name -> name.endsWith(".tmp"));

      Path log = cluster.nodeDir(follower).resolve("node.log");
      long restart = Files.size(log);
      cluster.run("cluster", "start", String.valueOf(follower));
      data.insertOne(new Document("_id", "after"));
      cluster.awaitIdenticalState(3);
      assertThat(since(log, restart)).contains("left by a snapshot interrupted before it was complete");
      assertThat(snapshotFiles(snapshots)).as("the half-written snapshot deleted at start").isEmpty();
      assertThat(data.countDocuments()).isEqualTo(1_001);
    }
  }

  /** The names of the snapshot files (finished or not) in a node's state machine directory. */
  private static List<String> snapshotFiles(Path dir) throws IOException {
    try (var files = Files.list(dir)) {
      return files.map(f -> f.getFileName().toString()).filter(name -> name.startsWith("snapshot.")).toList();
    } catch (NoSuchFileException e) {
      return List.of();
    }
  }

  /** What a log file holds after its first {@code offset} bytes. */
  private static String since(Path log, long offset) throws IOException {
    byte[] all = Files.readAllBytes(log);
    return new String(all, (int) Math.min(offset, all.length), (int) Math.max(0, all.length - offset), StandardCharsets.UTF_8);
  }

  /** Starts the cluster with these lines added to each node's {@code node.yml}. */
  private void upWith(String... settings) throws Exception {
    cluster.run("cluster", "up");
    cluster.run("cluster", "down");
    for (int n = 1; n <= 3; n++) {
      Files.writeString(cluster.nodeDir(n).resolve("node.yml"), String.join("\n", settings) + "\n", StandardOpenOption.APPEND);
    }
    cluster.run("cluster", "up");
  }

  /** The first index in the leader's Raft log, from {@code ./sluice cluster status -w json}. */
  private long leaderLogStart() throws Exception {
    for (JsonNode node : new ObjectMapper().readTree(
        cluster.run("cluster", "status", "-w", "json"))) {
      if ("LEADER".equals(node.path("role").asText())) {
        return node.path("logStartIndex").asLong();
      }
    }
    return 0;
  }

  /** A raw Ratis client of nodes 1 to 3 (a new client id each time). */
  private RawCaller caller() {
    return new RawCaller(IntStream.rangeClosed(1, 3).mapToObj(cluster::raftAddress).toList(), () -> cluster.raftAddress(cluster.leader()));
  }

  /** The members' addresses, as {@code ./sluice admin members} lists them. */
  private List<String> members() throws Exception {
    return cluster.run("admin", "members").lines().skip(1).map(l -> l.split("\\s+")[1]).toList();
  }
}
