package io.sluice.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceCollection;
import io.sluice.node.admin.AdminException;
import io.sluice.node.admin.ClusterAdmin;
import io.sluice.protocol.ClusterNaming;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ClusterAdmin#transferLeader}: to any voter, whatever priorities Ratis' configuration holds. */
class LeaderTransferTest {
  @TempDir
  Path dir;

  @Test
  void leadershipMovesToTheChosenVoterAndWritesGoOn() {
    try (LocalCluster cluster = LocalCluster.start(dir, 3)) {
      ClusterAdmin admin = cluster.admin();
      int target = cluster.aFollower();
      admin.transferLeader(cluster.address(target));
      assertThat(cluster.awaitLeader()).isEqualTo(target);
      SluiceClient client = cluster.client();
      client.getDatabase("db").getCollection("c").insertOne(new Document("_id", 1));
      assertThat(client.currentLeader()).as("the node that answered the write").contains(cluster.address(target));
      cluster.awaitIdenticalState();
      admin.transferLeader(cluster.address(target)); // already leader: nothing to do
      assertThat(cluster.awaitLeader()).isEqualTo(target);
    }
  }

  /**
   * A leader handing over leadership refuses writes (Ratis' LeaderSteppingDownException); the client
   * sends each again as the same retryable write, so none fails and none is applied twice.
   */
  @Test
  void writesDuringTransfersAllSucceedOnce() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(dir, 3)) {
      SluiceCollection c = cluster.client().getDatabase("db").getCollection("c");
      c.insertOne(new Document("_id", "counter").append("n", 0));
      int writes = 300;
      CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
        for (int i = 0; i < writes; i++) {
          c.updateOne(Filters.eq("_id", "counter"), Updates.inc("n", 1));
        }
      });
      ClusterAdmin admin = cluster.admin();
      for (int transfer = 0; transfer < 3 && !writer.isDone(); transfer++) {
        admin.transferLeader(cluster.address(cluster.aFollower()));
      }
      writer.get(60, TimeUnit.SECONDS);

      assertThat(c.find(Filters.eq("_id", "counter")).first().getInteger("n")).isEqualTo(writes);
      cluster.awaitIdenticalState();
    }
  }

  @Test
  void aVoterWithAHigherPriorityDoesNotBlockTheTransfer() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(dir, 3)) {
      // An operator gave one node a higher priority: Ratis moves leadership to it and refuses to
      // transfer to any other voter until priorities change.
      int favourite = cluster.awaitLeader();
      int target = (favourite + 1) % 3;
      List<RaftPeer> peers = IntStream.range(0, 3).mapToObj(i -> RaftPeer.newBuilder().setId(ClusterNaming.peerId(cluster.address(i)))
          .setAddress(cluster.address(i)).setPriority(i == favourite ? 5 : 0).build()).toList();
      RaftGroupId group = RaftGroupId.valueOf(ClusterNaming.groupId(ClusterNaming.DEFAULT_CLUSTER_NAME));
      try (RaftClient raw = RaftClient.newBuilder().setProperties(new RaftProperties()).setRaftGroup(RaftGroup.valueOf(group, peers)).build()) {
        assertThat(raw.admin().setConfiguration(peers).isSuccess()).isTrue();

        cluster.admin().transferLeader(cluster.address(target));
        assertThat(cluster.awaitLeader()).isEqualTo(target);
        // Priorities are equal now, so nothing pulls leadership back to the favourite (Ratis moves it to a
        // voter of a higher priority only; an election on a stalled machine may pick any node).
        assertThat(raw.getGroupManagementApi(org.apache.ratis.protocol.RaftPeerId.valueOf(ClusterNaming.peerId(cluster.address(target)))).info(group).getConf().orElseThrow().getPeersList())
            .extracting(org.apache.ratis.proto.RaftProtos.RaftPeerProto::getPriority).containsOnly(0);
      }
    }
  }

  @Test
  void onlyAVoterCanBecomeLeader() {
    try (LocalCluster cluster = LocalCluster.start(dir, 3)) {
      assertThatThrownBy(() -> cluster.admin().transferLeader("127.0.0.1:1")).isInstanceOfSatisfying(AdminException.class, e -> {
        assertThat(e.isBadInput()).isTrue();
        assertThat(e).hasMessageContaining("127.0.0.1:1 is not a voter");
      });
    }
  }

  /** A transfer that cannot happen fails by the operation's deadline, naming the target, and writes go on. */
  @Test
  void aTransferToAVoterThatIsDownFailsByTheDeadline() {
    try (LocalCluster cluster = LocalCluster.start(dir, 3)) {
      int down = cluster.aFollower();
      cluster.stop(down);
      try (ClusterAdmin admin = ClusterAdmin.connect(cluster.connectionString(), Duration.ofSeconds(5))) {
        assertThatThrownBy(() -> admin.transferLeader(cluster.address(down))).isInstanceOfSatisfying(AdminException.class, e -> {
          assertThat(e.isBadInput()).isFalse();
          assertThat(e).hasMessageContaining("transfer of leadership to " + cluster.address(down) + " failed");
        });
      }
      cluster.client().getDatabase("db").getCollection("c").insertOne(new Document("_id", "after"));
    }
  }
}
