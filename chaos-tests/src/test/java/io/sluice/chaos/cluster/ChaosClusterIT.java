package io.sluice.chaos.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.client.SluiceCollection;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The fixture's own faults do what they say: a partition deposes a leader, killed nodes rejoin and catch up, a
 * node that died by itself is told apart from a running one.
 */
@ExtendWith(ChaosEnvironment.class)
class ChaosClusterIT {
  private static final Path RUNS = Path.of("target/chaos-runs");

  @Test
  void anIsolatedLeaderIsReplacedAndKilledNodesCatchUp() {
    try (ChaosCluster cluster = ChaosCluster.start(3, RUNS.resolve("fixture"))) {
      SluiceCollection c = cluster.client().getDatabase("chaos").getCollection("fixture");
      c.insertOne(new Document("_id", 1));
      // Every node must hold the log first: Ratis does not count the votes of a node whose log is empty.
      await().atMost(Duration.ofSeconds(30)).until(cluster::isConverged);
      ChaosNode leader = cluster.leader().orElseThrow();
      long term = cluster.status(leader).orElseThrow().term();

      List<String> others = cluster.nodes().stream().filter(n -> n != leader).map(ChaosNode::host).toList();
      cluster.firewall().apply(Firewall.between(Set.of(leader.host()), others));
      await().atMost(Duration.ofSeconds(30)).until(() -> cluster.nodes().stream().filter(n -> n != leader)
          .anyMatch(n -> cluster.status(n).map(s -> s.isLeader() && s.term() > term).orElse(false)));
      c.insertOne(new Document("_id", 2));
      cluster.firewall().heal();

      ChaosNode victim = cluster.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
      victim.signal("KILL"); // as if it died by itself: the harness leaves its container as it is
      await().atMost(Duration.ofSeconds(30)).until(() -> victim.exit().isPresent());
      assertThat(victim.exit()).hasValueSatisfying(exit -> assertThat(exit).contains("exited with code 137"));
      assertThat(leader.exit()).isEmpty();
      c.insertOne(new Document("_id", 3));
      victim.kill();
      victim.start();
      assertThat(victim.exit()).isEmpty();
      leader.kill();
      leader.start();
      c.insertOne(new Document("_id", 4));

      await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
        assertThat(cluster.isConverged()).as("converged:%s", cluster.describe()).isTrue();
        List<NodeStatus> statuses = cluster.statusesWithDigests();
        assertThat(statuses).hasSize(3).extracting(NodeStatus::digest).containsOnly(statuses.get(0).digest());
      });
      assertThat(c.countDocuments()).isEqualTo(4);
    }
  }
}
