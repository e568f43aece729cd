package io.sluice.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each node's gRPC server runs Ratis' calls on the node's own threads, which end with the node. */
class RaftCallThreadsTest {
  @TempDir
  Path dir;

  @Test
  void ratisCallsRunOnEachNodesOwnThreadsUntilTheNodeCloses() {
    List<String> prefixes;
    try (LocalCluster cluster = LocalCluster.start(dir, 3)) {
      prefixes = List.of(0, 1, 2).stream().map(i -> RaftCallThreads.threadNamePrefix(cluster.node(i).id())).toList();
      cluster.client().getDatabase("calls").getCollection("c").insertOne(new Document("_id", 1));

      // The write went to the leader, and the leader's appends to both followers: every node served calls.
      for (String prefix : prefixes) {
        assertThat(threadsNamed(prefix)).as(prefix).isPositive().isLessThanOrEqualTo(RaftCallThreads.THREADS);
      }
    }
    await().atMost(30, TimeUnit.SECONDS).until(() -> prefixes.stream().allMatch(prefix -> threadsNamed(prefix) == 0));
  }

  private static long threadsNamed(String prefix) {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().startsWith(prefix)).count();
  }
}
