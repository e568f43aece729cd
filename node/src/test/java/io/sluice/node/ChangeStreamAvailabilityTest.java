package io.sluice.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.client.ChangeStreamCursor;
import io.sluice.client.ChangeStreamDocument;
import io.sluice.client.SluiceCollection;
import io.sluice.protocol.ResumeToken;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
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

  @Test
  void aPublisherDeliversEventsOnDemandAndStopsWhenCancelled() {
    try (LocalCluster cluster = LocalCluster.start(dir, 3)) {
      SluiceCollection c = cluster.client().getDatabase("flow").getCollection("c");
      List<ChangeStreamDocument> received = new CopyOnWriteArrayList<>();
      Flow.Subscription[] subscription = new Flow.Subscription[1];
      c.watch().maxAwaitTime(200, TimeUnit.MILLISECONDS).publisher().subscribe(new Flow.Subscriber<>() {
        @Override
        public void onSubscribe(Flow.Subscription s) {
          subscription[0] = s;
          s.request(2);
        }

        @Override
        public void onNext(ChangeStreamDocument item) {
          received.add(item);
        }

        @Override
        public void onError(Throwable throwable) {
          received.clear();
        }

        @Override
        public void onComplete() {
        }
      });
      await().atMost(Duration.ofSeconds(10)).until(() -> subscription[0] != null);
      // The publisher opens its stream asynchronously: keep writing until the first event arrives.
      int[] next = {0};
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        c.insertOne(new Document("_id", next[0]++));
        return !received.isEmpty();
      });
      // The loop may stop right after the first event it saw; one more write guarantees a second.
      c.insertOne(new Document("_id", "second"));
      await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 2);
      c.insertOne(new Document("_id", "more"));
      await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> received.size() == 2);
      subscription[0].request(1);
      await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 3);
      subscription[0].cancel();
      assertThat(received).extracting(ChangeStreamDocument::getOperationTypeString).containsOnly("insert");
    }
  }
}
