package io.sluice.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.client.SluiceCollection;
import io.sluice.protocol.ClusterNaming;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.ratis.protocol.RaftGroupId;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node whose last Raft log segment is damaged does what its {@code corruptLogPolicy} says. */
class CorruptLogTest {
  @TempDir
  Path dir;

  @Test
  void withPolicyFailTheNodeRefusesToStartAndSaysWhatToDo() throws IOException {
    try (LocalCluster cluster = LocalCluster.start(dir, 3)) {
      int follower = writeThenStopAFollowerWithADamagedLog(cluster);
      assertThatThrownBy(() -> cluster.start(follower)).isInstanceOf(NodeStartException.class)
          .hasMessageContaining("is damaged").hasMessageContaining("corruptLogPolicy: rejoin").hasMessageContaining("--rejoin");
    }
  }

  /**
   * The node wipes itself and rejoins, so the leader starts it over: a node that kept its log up to the
   * damage would wait forever for entries the leader counts as sent (its match index does not go back).
   */
  @Test
  void withPolicyRejoinTheNodeWipesItselfRejoinsAndCatchesUp() throws IOException {
    try (LocalCluster cluster = LocalCluster.start(dir, 3, b -> b.corruptLogPolicy("rejoin"))) {
      int follower = writeThenStopAFollowerWithADamagedLog(cluster);
      cluster.start(follower);
      SluiceCollection c = cluster.client().getDatabase("db").getCollection("c");
      for (int i = 60; i < 70; i++) {
        c.insertOne(new Document("_id", i));
      }
      cluster.awaitIdenticalState();
      assertThat(c.countDocuments()).isEqualTo(70);
    }
  }

  private static int writeThenStopAFollowerWithADamagedLog(LocalCluster cluster) throws IOException {
    SluiceCollection c = cluster.client().getDatabase("db").getCollection("c");
    for (int i = 0; i < 60; i++) {
      c.insertOne(new Document("_id", i).append("pad", "x".repeat(5000)));
    }
    int follower = cluster.aFollower();
    cluster.awaitIdenticalState();
    cluster.stop(follower);
    damageLastSegment(cluster.config(follower).dataDir());
    return follower;
  }

  /** Flips a byte inside an entry of the last log segment of a node that wrote 60 entries of 5 KB (offset 150,000). */
  static void damageLastSegment(Path dataDir) throws IOException {
    try (RandomAccessFile segment = new RandomAccessFile(lastSegment(dataDir).toFile(), "rw")) {
      segment.seek(150_000);
      int b = segment.read();
      segment.seek(150_000);
      segment.write(b ^ 0x5a);
    }
  }

  /** The newest Raft log segment of a node of the default cluster. */
  private static Path lastSegment(Path dataDir) throws IOException {
    String group = RaftGroupId.valueOf(ClusterNaming.groupId(ClusterNaming.DEFAULT_CLUSTER_NAME)).getUuid().toString();
    try (Stream<Path> files = Files.list(dataDir.resolve("raft").resolve(group).resolve("current"))) {
      return files.filter(f -> f.getFileName().toString().startsWith("log_")).max(Comparator.comparingLong(CorruptLogTest::startIndex))
          .orElseThrow();
    }
  }

  private static long startIndex(Path segment) {
    return Long.parseLong(segment.getFileName().toString().replaceAll("log_(inprogress_)?(\\d+).*", "$2"));
  }
}
