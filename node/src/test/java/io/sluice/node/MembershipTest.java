package io.sluice.node;

import static com.mongodb.client.model.Filters.eq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.client.ChangeStreamCursor;
import io.sluice.client.ChangeStreamDocument;
import io.sluice.client.ReadPreference;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceCollection;
import io.sluice.client.WriteResult;
import io.sluice.node.admin.AdminException;
import io.sluice.node.admin.ClusterAdmin;
import io.sluice.node.admin.Member;
import io.sluice.node.cli.CliRunner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Growing and shrinking a running cluster with {@link ClusterAdmin}: voters, learners, refusals. */
class MembershipTest {
  @TempDir
  Path dir;

  @Test
  void growingToFiveAndShrinkingToThreeUnderLoadLosesNoWriteAndTheStreamSeesEachOnceInOrder() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(dir, 3)) {
      ClusterAdmin admin = cluster.admin();
      SluiceCollection c = cluster.client("timeoutMS=30000").getDatabase("db").getCollection("c");
      int streamNode = cluster.aFollower();
      SequentialWriter writer;
      try (StreamRecorder stream = new StreamRecorder(c.watch().onNode(cluster.address(streamNode)).cursor())) {
        writer = new SequentialWriter(c);
        try (writer) {
          writer.awaitMore(20);
          int fourth = cluster.startJoiner(SluiceNode.Entry.JOIN);
          admin.addNode(cluster.address(fourth), false);
          writer.awaitMore(20);
          int fifth = cluster.startJoiner(SluiceNode.Entry.JOIN);
          admin.addNode(cluster.address(fifth), false);
          assertThat(admin.members()).extracting(Member::role).containsOnly(Member.Role.LEADER, Member.Role.FOLLOWER).hasSize(5);
          writer.awaitMore(20);

          // Shrink by the leader (unless it serves the stream), then by a node added above.
          int leader = cluster.awaitLeader();
          int firstOut = leader != streamNode ? leader : otherOriginal(streamNode, leader);
          int secondOut = firstOut != fourth ? fourth : fifth;
          admin.removeNode(cluster.address(firstOut));
          cluster.stop(firstOut);
          writer.awaitMore(20);
          admin.removeNode(cluster.address(secondOut));
          cluster.stop(secondOut);
          writer.awaitMore(20);
        }
        List<String> remaining = new ArrayList<>();
        for (int i = 0; i < cluster.size(); i++) {
          if (cluster.isRunning(i)) {
            remaining.add(cluster.address(i));
          }
        }
        assertThat(admin.members()).extracting(Member::address).containsExactlyInAnyOrderElementsOf(remaining).hasSize(3);
        cluster.awaitIdenticalState();

        stream.assertDeliveredOnceInOrder(writer, c);
      }
    }
  }

  private static int otherOriginal(int streamNode, int leader) {
    for (int i = 0; i < 3; i++) {
      if (i != streamNode && i != leader) {
        return i;
      }
    }
    throw new IllegalStateException();
  }

  @Test
  void aLearnerGetsTheDataServesAFollowerReadAndAStreamAndCanBePromoted() {
    try (LocalCluster cluster = LocalCluster.start(dir, 3)) {
      ClusterAdmin admin = cluster.admin();
      SluiceCollection c = cluster.client().getDatabase("db").getCollection("c");
      for (int i = 0; i < 10; i++) {
        c.insertOne(new Document("_id", i));
      }
      int learner = cluster.startJoiner(SluiceNode.Entry.JOIN);
      String address = cluster.address(learner);
      admin.addNode(address, true);
      assertThat(admin.members()).filteredOn(m -> m.address().equals(address)).extracting(Member::role).containsExactly(Member.Role.LEARNER);
      assertThat(admin.members()).filteredOn(m -> m.role() != Member.Role.LEARNER).hasSize(3);
      cluster.awaitIdenticalState();

      try (SluiceClient onlyLearner = SluiceClient.connect("sluice://" + address)) {
        SluiceCollection viaLearner = onlyLearner.getDatabase("db").getCollection("c");
        WriteResult w = c.insertOne(new Document("_id", "after"));
        assertThat(viaLearner.withReadPreference(ReadPreference.follower()).find(eq("_id", "after")).afterPosition(w.position()).first())
            .isEqualTo(new Document("_id", "after"));
        try (ChangeStreamCursor<ChangeStreamDocument> stream = viaLearner.watch().cursor()) {
          assertThat(stream.servingNode()).isEqualTo(address);
          c.insertOne(new Document("_id", "streamed"));
          assertThat(stream.next().getDocumentKey().getString("_id").getValue()).isEqualTo("streamed");
        }
      }

      admin.addNode(address, false);
      assertThat(admin.members()).filteredOn(m -> m.address().equals(address)).extracting(Member::role).containsExactly(Member.Role.FOLLOWER);
      c.insertOne(new Document("_id", "promoted"));
      cluster.awaitIdenticalState();
    }
  }

  @Test
  void aNodeStartedWithAnEmptyGroupIsBootstrappedByTheLeaderAsAVoter() {
    try (LocalCluster cluster = LocalCluster.start(dir, 3)) {
      SluiceCollection c = cluster.client().getDatabase("db").getCollection("c");
      for (int i = 0; i < 10; i++) {
        c.insertOne(new Document("_id", i));
      }
      int fresh = cluster.startJoiner(SluiceNode.Entry.JOIN_AS_VOTER);
      cluster.admin().addNode(cluster.address(fresh), false);
      c.insertOne(new Document("_id", "after"));
      cluster.awaitIdenticalState();
      assertThat(cluster.node(fresh).status().role()).isIn("FOLLOWER", "LEADER");
    }
  }

  @Test
  void aFollowerWhoseDiskWasLostRejoinsAsAFreshMemberAndCatchesUp() {
    try (LocalCluster cluster = LocalCluster.start(dir, 3)) {
      SluiceCollection c = cluster.client("timeoutMS=30000").getDatabase("db").getCollection("c");
      for (int i = 0; i < 20; i++) {
        c.insertOne(new Document("_id", i));
      }
      int lost = cluster.aFollower();
      cluster.stop(lost);
      for (int i = 20; i < 40; i++) {
        c.insertOne(new Document("_id", i));
      }
      // Rejoin wipes the node's Raft log and store itself.
      cluster.adopt(lost, NodeRejoin.rejoin(cluster.config(lost), Duration.ofSeconds(60)));
      c.insertOne(new Document("_id", "after"));
      cluster.awaitIdenticalState();
      assertThat(cluster.node(lost).status().appliedIndex()).isEqualTo(cluster.node(cluster.awaitLeader()).status().appliedIndex());
      assertThat(cluster.admin().members()).filteredOn(m -> m.address().equals(cluster.address(lost)))
          .extracting(Member::role).containsExactly(Member.Role.FOLLOWER);
    }
  }

  /**
   * A rejoin cut short after the cluster removed the node and its data was wiped leaves a mark: a plain
   * start refuses to run the node (it would format as an empty member) and says to run the rejoin
   * again; a start under {@code corruptLogPolicy: rejoin} runs it again and the node is back.
   */
  @Test
  void aRejoinThatDidNotFinishIsRunAgainNotStartedAsAMember() throws java.io.IOException {
    try (LocalCluster cluster = LocalCluster.start(dir, 3)) {
      SluiceCollection c = cluster.client("timeoutMS=30000").getDatabase("db").getCollection("c");
      c.insertOne(new Document("_id", 1));
      int node = cluster.aFollower();
      cluster.awaitIdenticalState();
      // Where a rejoin that died between its wipe and its start leaves the node.
      cluster.admin().removeNode(cluster.address(node));
      cluster.stop(node);
      SnapshotTest.deleteRecursively(cluster.config(node).dataDir().resolve("raft"));
      SnapshotTest.deleteRecursively(cluster.config(node).dataDir().resolve("store"));
      java.nio.file.Files.writeString(cluster.config(node).dataDir().resolve("rejoin-pending"), "voter");
      assertThat(cluster.admin().members()).extracting(Member::address).doesNotContain(cluster.address(node));

      assertThatThrownBy(() -> cluster.start(node)).hasMessageContaining("a rejoin began and did not finish").hasMessageContaining("--rejoin");
      cluster.adopt(node, SluiceNode.start(cluster.config(node).toBuilder().corruptLogPolicy("rejoin").build()));
      assertThat(cluster.config(node).dataDir().resolve("rejoin-pending")).doesNotExist();
      assertThat(cluster.admin().members()).filteredOn(m -> m.address().equals(cluster.address(node)))
          .extracting(Member::role).containsExactly(Member.Role.FOLLOWER);
      c.insertOne(new Document("_id", 2));
      cluster.awaitIdenticalState();
    }
  }

  /** Snapshots every 100 entries and 1 MiB segments of 5 KB writes: the leader's log is purged long before the joins. */
  @Test
  void nodesJoiningOrRejoiningAfterTheLogWasPurgedInstallTheLeadersSnapshot() {
    try (LocalCluster cluster = LocalCluster.start(dir, 3, b -> b.snapshotEveryEntries(100).logEntriesKeptAfterSnapshot(0)
        .raftSegmentSizeMb(1))) {
      SluiceCollection c = cluster.client("timeoutMS=30000").getDatabase("db").getCollection("c");
      for (int i = 0; i < 400; i++) {
        c.insertOne(new Document("_id", i).append("pad", "x".repeat(5000)));
      }
      int lost = cluster.aFollower();
      cluster.stop(lost);
      for (int i = 400; i < 450; i++) {
        c.insertOne(new Document("_id", i).append("pad", "x".repeat(5000)));
      }
      assertThat(cluster.node(cluster.awaitLeader()).status().logStartIndex()).as("the leader purged its log").isGreaterThan(100);

      int added = cluster.startJoiner(SluiceNode.Entry.JOIN);
      cluster.admin().addNode(cluster.address(added), false);
      cluster.adopt(lost, NodeRejoin.rejoin(cluster.config(lost), Duration.ofSeconds(60)));
      c.insertOne(new Document("_id", "after"));
      cluster.awaitIdenticalState();
      assertThat(cluster.node(added).status().snapshotIndex()).as("the added node installed a snapshot").isPositive();
      assertThat(cluster.node(lost).status().snapshotIndex()).as("the rejoined node installed a snapshot").isPositive();
      assertThat(c.countDocuments()).isEqualTo(451);
    }
  }

  @Test
  void aRemovedNodeStopsItselfAndTheOthersGoOn() {
    try (LocalCluster cluster = LocalCluster.start(dir, 3)) {
      int removed = cluster.aFollower();
      SluiceNode node = cluster.node(removed);
      cluster.admin().removeNode(cluster.address(removed));
      String reason = node.whenStoppedItself().orTimeout(60, TimeUnit.SECONDS).join();
      assertThat(reason).contains("removed from the cluster").contains("add-node " + cluster.address(removed));
      assertThat(node.raftServer().getLifeCycleState().isClosingOrClosed()).as("its Raft server is closed").isTrue();

      SluiceCollection c = cluster.client().getDatabase("db").getCollection("c");
      c.insertOne(new Document("_id", 1));
      assertThat(c.countDocuments()).isEqualTo(1);
      assertThat(cluster.admin().members()).extracting(Member::address).doesNotContain(cluster.address(removed)).hasSize(2);
    }
  }

  @Test
  void removeNodeRefusesTheLastVoterAndANonMemberWithAClearMessage() {
    try (LocalCluster cluster = LocalCluster.start(dir, 1)) {
      ClusterAdmin admin = cluster.admin();
      String only = cluster.address(0);
      assertThatThrownBy(() -> admin.removeNode(only)).isInstanceOfSatisfying(AdminException.class, e -> {
        assertThat(e.isBadInput()).isTrue();
        assertThat(e).hasMessageContaining(only + " is the last voter");
      });
      assertThatThrownBy(() -> admin.removeNode("127.0.0.1:1")).isInstanceOfSatisfying(AdminException.class, e -> {
        assertThat(e.isBadInput()).isTrue();
        assertThat(e).hasMessageContaining("127.0.0.1:1 is not a member of the cluster (voters [" + only + "]");
      });

      String connect = "--connect=" + cluster.connectionString();
      CliRunner.Result refused = CliRunner.capture("admin", "remove-node", only, connect);
      assertThat(refused.exitCode()).isEqualTo(2);
      assertThat(refused.err()).startsWith("error: " + only + " is the last voter").hasLineCount(1);
      assertThat(CliRunner.capture("admin", "remove-node", "127.0.0.1:1", connect).exitCode()).isEqualTo(2);
      CliRunner.Result members = CliRunner.capture("admin", "members", connect);
      assertThat(members.exitCode()).isZero();
      assertThat(members.out()).contains(only).contains("leader");
      assertThat(admin.members()).singleElement().extracting(Member::role).isEqualTo(Member.Role.LEADER);
    }
  }
}
