package io.sluice.node;

import static com.mongodb.client.model.Filters.eq;
import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.model.Updates;
import io.sluice.client.SluiceCollection;
import java.nio.file.Path;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node restarted from its MapDB store catches up to exactly the state of the others. */
class RestartTest {
  @TempDir
  Path dir;

  @Test
  void aRestartedFollowerCatchesUpToTheSameDigest() {
    try (LocalCluster cluster = LocalCluster.start(dir, 3)) {
      SluiceCollection c = cluster.client().getDatabase("db").getCollection("c");
      for (int i = 0; i < 20; i++) {
        c.insertOne(new Document("_id", i).append("n", 0));
      }
      int follower = cluster.aFollower();
      cluster.stop(follower);
      for (int i = 0; i < 20; i++) {
        c.updateOne(eq("_id", i), Updates.inc("n", i));
      }
      c.insertOne(new Document("_id", "after"));
      cluster.start(follower);
      cluster.awaitIdenticalState();
      assertThat(cluster.node(follower).appliedPosition()).isEqualTo(cluster.node(cluster.awaitLeader()).appliedPosition());
    }
  }

  @Test
  void aWholeClusterRestartKeepsEveryWrite() {
    try (LocalCluster cluster = LocalCluster.start(dir, 3)) {
      SluiceCollection c = cluster.client().getDatabase("db").getCollection("c");
      for (int i = 0; i < 10; i++) {
        c.insertOne(new Document("_id", i));
      }
      cluster.awaitIdenticalState();
      String digestBefore = cluster.node(0).digest();
      for (int i = 0; i < 3; i++) {
        cluster.stop(i);
      }
      for (int i = 0; i < 3; i++) {
        cluster.start(i);
      }
      cluster.awaitLeader();
      cluster.awaitIdenticalState();
      assertThat(c.countDocuments()).isEqualTo(10);
      // The restart added no write of its own: the applied state is the one before the restart.
      assertThat(cluster.node(0).digest()).isEqualTo(digestBefore);
    }
  }
}
