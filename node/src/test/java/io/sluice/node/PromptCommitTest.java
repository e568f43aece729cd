package io.sluice.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.client.SluiceCollection;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Followers apply a write as soon as the leader commits it, not at the next write or heartbeat: the
 * leader sends the new commit index in an empty append ({@link PromptCommitRpc}).
 */
class PromptCommitTest {
  @TempDir
  Path dir;

  @Test
  void aFollowerAppliesALoneWriteLongBeforeTheNextHeartbeat() {
    // A leader with a 30-s minimum election timeout sends heartbeats 15 s apart. The first election is
    // quick, and its timeouts spread wide so that the nodes seldom split the vote (a second round waits 30 s).
    try (LocalCluster cluster = LocalCluster.start(dir, 3, b -> b.electionTimeoutMinMs(30_000).electionTimeoutMaxMs(40_000)
        .raftProperties(Map.of("raft.server.rpc.first-election.timeout.min", "100ms",
            "raft.server.rpc.first-election.timeout.max", "2s")))) {
      SluiceCollection orders = cluster.client().getDatabase("shop").getCollection("orders");
      int leader = cluster.awaitLeader();
      awaitFollowersAt(cluster, cluster.node(leader).lastAppliedIndex());

      orders.insertOne(new Document("_id", 1));
      long written = cluster.node(leader).lastAppliedIndex();
      awaitFollowersAt(cluster, written);

      orders.insertOne(new Document("_id", 2));
      assertThat(cluster.node(leader).lastAppliedIndex()).isGreaterThan(written);
      awaitFollowersAt(cluster, cluster.node(leader).lastAppliedIndex());
    }
  }

  private static void awaitFollowersAt(LocalCluster cluster, long index) {
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      for (int i = 0; i < cluster.size(); i++) {
        assertThat(cluster.node(i).lastAppliedIndex()).as("node %d's applied index", i).isGreaterThanOrEqualTo(index);
      }
    });
  }
}
