package io.sluice.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.client.ChangeStreamCursor;
import io.sluice.client.ChangeStreamDocument;
import io.sluice.client.SluiceCollection;
import io.sluice.protocol.ResumeToken;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChangeStreamAvailabilityTest {
  @TempDir
  Path dir;

  /**
   * Regression (chaos suite): a node that had not heard from a leader since it started knew no commit
   * index, and refused to open a stream ("Unable to serve stale-read").
   */
  @Test
  void aNodeThatNeverHadALeaderOpensAStreamThatLaterDeliversWrites() {
    try (LocalCluster cluster = LocalCluster.unstarted(dir, 3, java.util.function.UnaryOperator.identity())) {
      cluster.start(0);
      SluiceCollection c = cluster.client().getDatabase("avail").getCollection("c");
      try (ChangeStreamCursor<ChangeStreamDocument> stream = c.watch().maxAwaitTime(200, TimeUnit.MILLISECONDS)
          .onNode(cluster.address(0)).cursor()) {
        assertThat(stream.tryNext()).isNull();
        assertThat(stream.getResumeToken()).isNotNull();
        cluster.start(1);
        cluster.start(2);
        cluster.awaitLeader();
        c.insertOne(new Document("_id", "first"));
        assertThat(stream.next().getDocumentKey().getString("_id").getValue()).isEqualTo("first");
        assertThat(stream.servingNode()).isEqualTo(cluster.address(0));
      }
    }
  }

  @Test
  void aFollowerStreamKeepsServingWhileTheGroupHasNoLeader() {
    try (LocalCluster cluster = LocalCluster.start(dir, 3)) {
      SluiceCollection c = cluster.client().getDatabase("avail").getCollection("c");
      int follower = cluster.aFollower();
      try (ChangeStreamCursor<ChangeStreamDocument> stream = c.watch().maxAwaitTime(200, TimeUnit.MILLISECONDS)
          .onNode(cluster.node(follower).config().address()).cursor()) {
        c.insertOne(new Document("_id", "before"));
        assertThat(stream.next().getDocumentKey().getString("_id").getValue()).isEqualTo("before");
        for (int i = 0; i < 3; i++) {
          if (i != follower) {
            cluster.stop(i);
          }
        }
        // No leader, no majority: the stream answers (with nothing new) and its node stays the same.
        ResumeToken during = stream.getResumeToken();
        for (int round = 0; round < 5; round++) {
          assertThat(stream.tryNext()).isNull();
        }
        assertThat(stream.servingNode()).isEqualTo(cluster.node(follower).config().address());
        assertThat(stream.getResumeToken()).isEqualTo(during);
        for (int i = 0; i < 3; i++) {
          if (i != follower) {
            cluster.start(i);
          }
        }
        cluster.awaitLeader();
        c.insertOne(new Document("_id", "after"));
        assertThat(stream.next().getDocumentKey().getString("_id").getValue()).isEqualTo("after");
        assertThat(stream.servingNode()).isEqualTo(cluster.node(follower).config().address());
      }
    }
  }

  /**
   * A client's stream calls to a node share one gRPC channel, which after the node went down waits
   * longer and longer before it connects again: a node that restarted must serve the client's streams
   * again without that wait.
   */
  @Test
  void aNodeThatRestartedServesTheSameClientsStreamsAgain() {
    try (LocalCluster cluster = LocalCluster.start(dir, 3)) {
      SluiceCollection c = cluster.client().getDatabase("avail").getCollection("restart");
      int follower = cluster.aFollower();
      String address = cluster.address(follower);
      try (ChangeStreamCursor<ChangeStreamDocument> stream = c.watch().maxAwaitTime(200, TimeUnit.MILLISECONDS).onNode(address).cursor()) {
        c.insertOne(new Document("_id", "before"));
        assertThat(stream.next().getDocumentKey().getString("_id").getValue()).isEqualTo("before");
        cluster.stop(follower);
        c.insertOne(new Document("_id", "while down"));
        assertThat(stream.next().getDocumentKey().getString("_id").getValue()).isEqualTo("while down");
        String otherFollower = cluster.address(3 - follower - cluster.awaitLeader());
        assertThat(stream.servingNode()).as("a stream moves to a follower before the leader").isEqualTo(otherFollower);
        cluster.start(follower);
        c.insertOne(new Document("_id", "after"));
        cluster.awaitIdenticalState(); // the restarted node has caught up, so it can serve the token
        try (ChangeStreamCursor<ChangeStreamDocument> again = c.watch().maxAwaitTime(200, TimeUnit.MILLISECONDS)
            .resumeAfter(stream.getResumeToken()).onNode(address).cursor()) {
          assertThat(again.next().getDocumentKey().getString("_id").getValue()).isEqualTo("after");
          assertThat(again.servingNode()).isEqualTo(address);
        }
      }
    }
  }
}
