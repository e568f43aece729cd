package io.sluice.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.client.ChangeStreamCursor;
import io.sluice.client.ChangeStreamDocument;
import io.sluice.client.ChangeStreamException;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceCollection;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.ResumeToken;
import io.sluice.protocol.SluiceException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java client's {@code Flow.Publisher} view of a change stream, against a real cluster. */
class ChangeStreamPublisherTest {
  @TempDir
  Path dir;

  @Test
  void deliversEventsOnlyOnDemandAndStopsWhenCancelled() {
    try (LocalCluster cluster = LocalCluster.start(dir, 3)) {
      SluiceCollection c = cluster.client().getDatabase("flow").getCollection("c");
      Recorder recorder = new Recorder(2);
      c.watch().maxAwaitTime(200, TimeUnit.MILLISECONDS).onNode(cluster.address(cluster.aFollower())).publisher().subscribe(recorder);
      awaitOpenStreams(cluster, 1);
      for (int i = 0; i < 3; i++) {
        c.insertOne(new Document("_id", i));
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> recorder.ids().size() == 2);
      await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> recorder.ids().size() == 2);
      recorder.subscription.request(1);
      await().atMost(Duration.ofSeconds(10)).until(() -> recorder.ids().size() == 3);
      assertThat(recorder.ids()).containsExactly(0, 1, 2);
      recorder.subscription.cancel();
      awaitOpenStreams(cluster, 0);
      assertThat(recorder.failure).isNull();
      assertThat(recorder.completed).isFalse();
    }
  }

  /** Each subscriber of the old publisher held a thread; a waiting getMore now holds none. */
  @Test
  void thousandsOfSubscribersNeedNoThreadEach() {
    try (LocalCluster cluster = LocalCluster.start(dir, 3)) {
      SluiceCollection c = cluster.client().getDatabase("flow").getCollection("many");
      String follower = cluster.address(cluster.aFollower());
      int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
      List<Recorder> recorders = IntStream.range(0, 2_000).mapToObj(i -> new Recorder(Long.MAX_VALUE)).toList();
      recorders.forEach(r -> c.watch().maxAwaitTime(5, TimeUnit.SECONDS).onNode(follower).publisher().subscribe(r));
      awaitOpenStreams(cluster, recorders.size());
      for (int i = 0; i < 3; i++) {
        c.insertOne(new Document("_id", i));
      }
      await().atMost(Duration.ofSeconds(60)).until(() -> recorders.stream().allMatch(r -> r.ids().size() == 3));
      assertThat(ManagementFactory.getThreadMXBean().getThreadCount() - threadsBefore).isLessThan(200);
      assertThat(recorders).allSatisfy(r -> {
        assertThat(r.ids()).containsExactly(0, 1, 2);
        assertThat(r.failure).isNull();
      });
      recorders.forEach(r -> r.subscription.cancel());
      awaitOpenStreams(cluster, 0);
    }
  }

  @Test
  void aSubscriberResumesOnAnotherNodeWhenItsNodeStops() {
    try (LocalCluster cluster = LocalCluster.start(dir, 3)) {
      SluiceCollection c = cluster.client().getDatabase("flow").getCollection("failover");
      int follower = cluster.aFollower();
      Recorder recorder = new Recorder(Long.MAX_VALUE);
      c.watch().maxAwaitTime(200, TimeUnit.MILLISECONDS).onNode(cluster.address(follower)).publisher().subscribe(recorder);
      awaitOpenStreams(cluster, 1);
      for (int i = 0; i < 10; i++) {
        c.insertOne(new Document("_id", i));
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> recorder.ids().size() == 10);
      cluster.stop(follower);
      for (int i = 10; i < 20; i++) {
        c.insertOne(new Document("_id", i));
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> recorder.ids().size() >= 20);
      assertThat(recorder.ids()).containsExactlyElementsOf(IntStream.range(0, 20).boxed().toList());
      assertThat(recorder.failure).isNull();
    }
  }

  @Test
  void anInvalidateCompletesTheStreamAndAFailureThatResumingCannotFixIsAnError() {
    try (LocalCluster cluster = LocalCluster.start(dir, 3)) {
      SluiceCollection c = cluster.client().getDatabase("flow").getCollection("dropped");
      c.insertOne(new Document("_id", 0));
      Recorder recorder = new Recorder(Long.MAX_VALUE);
      c.watch().maxAwaitTime(200, TimeUnit.MILLISECONDS).publisher().subscribe(recorder);
      awaitOpenStreams(cluster, 1);
      c.insertOne(new Document("_id", 1));
      c.drop();
      await().atMost(Duration.ofSeconds(10)).until(() -> recorder.completed);
      assertThat(recorder.events).extracting(ChangeStreamDocument::getOperationTypeString).containsExactly("insert", "drop", "invalidate");
      assertThat(recorder.failure).isNull();

      ResumeToken invalidate = recorder.events.get(2).getResumeToken();
      Recorder resumed = new Recorder(Long.MAX_VALUE);
      c.watch().resumeAfter(invalidate).publisher().subscribe(resumed);
      await().atMost(Duration.ofSeconds(10)).until(() -> resumed.failure != null);
      assertThat(resumed.failure).isInstanceOfSatisfying(ChangeStreamException.class,
          e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.INVALID_RESUME_TOKEN));
      assertThat(resumed.events).isEmpty();
      assertThat(resumed.completed).isFalse();
    }
  }

  @Test
  void aRequestForNoEventsEndsTheStreamWithIllegalArgumentException() {
    try (LocalCluster cluster = LocalCluster.start(dir, 3)) {
      SluiceCollection c = cluster.client().getDatabase("flow").getCollection("c");
      Recorder recorder = new Recorder(0);
      c.watch().maxAwaitTime(200, TimeUnit.MILLISECONDS).publisher().subscribe(recorder);
      await().atMost(Duration.ofSeconds(10)).until(() -> recorder.failure != null);
      assertThat(recorder.failure).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rule 3.9");
      awaitOpenStreams(cluster, 0);
    }
  }

  /** Rule 3.9 also holds for a bad request made while events are being delivered. */
  @Test
  void aRequestForNoEventsFromOnNextEndsTheStreamWithIllegalArgumentException() {
    try (LocalCluster cluster = LocalCluster.start(dir, 3)) {
      SluiceCollection c = cluster.client().getDatabase("flow").getCollection("c");
      Recorder recorder = new Recorder(Long.MAX_VALUE) {
        @Override
        public void onNext(ChangeStreamDocument event) {
          super.onNext(event);
          subscription.request(0);
        }
      };
      c.watch().maxAwaitTime(200, TimeUnit.MILLISECONDS).publisher().subscribe(recorder);
      awaitOpenStreams(cluster, 1);
      c.insertOne(new Document("_id", 0));
      c.insertOne(new Document("_id", 1));
      await().atMost(Duration.ofSeconds(10)).until(() -> recorder.failure != null);
      assertThat(recorder.failure).isInstanceOf(IllegalArgumentException.class);
      assertThat(recorder.ids()).containsExactly(0);
      awaitOpenStreams(cluster, 0);
    }
  }

  @Test
  void anUnknownNodeIsAnErrorSignalNotAThrow() {
    try (LocalCluster cluster = LocalCluster.start(dir, 3)) {
      Recorder recorder = new Recorder(1);
      cluster.client().getDatabase("flow").getCollection("c").watch().onNode("127.0.0.1:1").publisher().subscribe(recorder);
      await().atMost(Duration.ofSeconds(10)).until(() -> recorder.failure != null);
      assertThat(recorder.subscription).isNotNull();
      assertThat(recorder.failure).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no node at 127.0.0.1:1");
    }
  }

  @Test
  void closingTheClientEndsItsStreamsAndTheirCursorsOnTheNodes() {
    try (LocalCluster cluster = LocalCluster.start(dir, 3)) {
      SluiceClient client = SluiceClient.connect(cluster.connectionString());
      SluiceCollection c = client.getDatabase("flow").getCollection("closed");
      Recorder recorder = new Recorder(Long.MAX_VALUE);
      c.watch().maxAwaitTime(5, TimeUnit.SECONDS).publisher().subscribe(recorder);
      ChangeStreamCursor<ChangeStreamDocument> cursor = c.watch().maxAwaitTime(5, TimeUnit.SECONDS).cursor();
      awaitOpenStreams(cluster, 2);
      client.close();
      // The nodes kill the cursors now, not when they time out (10 minutes idle).
      assertThat(IntStream.range(0, cluster.size()).map(i -> cluster.node(i).status().openStreams()).sum()).isZero();
      await().atMost(Duration.ofSeconds(10)).until(() -> recorder.failure != null);
      assertThat(recorder.failure).isInstanceOfSatisfying(SluiceException.class,
          e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.SHUTDOWN_IN_PROGRESS));
      assertThat(recorder.completed).isFalse();
      assertThat(cursor.isClosed()).isTrue();

      Recorder late = new Recorder(1);
      c.watch().publisher().subscribe(late);
      assertThat(late.subscription).isNotNull();
      assertThat(late.failure).isInstanceOf(IllegalStateException.class).hasMessage("the client is closed");
    }
  }

  private static void awaitOpenStreams(LocalCluster cluster, int count) {
    await().atMost(Duration.ofSeconds(60)).until(() -> IntStream.range(0, cluster.size()).filter(cluster::isRunning)
        .map(i -> cluster.node(i).status().openStreams()).sum() == count);
  }

  /** Requests {@code initialDemand} events at subscription and records every signal. */
  private static class Recorder implements Flow.Subscriber<ChangeStreamDocument> {
    final List<ChangeStreamDocument> events = new CopyOnWriteArrayList<>();
    private final long initialDemand;
    volatile Flow.Subscription subscription;
    volatile Throwable failure;
    volatile boolean completed;

    Recorder(long initialDemand) {
      this.initialDemand = initialDemand;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      s.request(initialDemand);
    }

    @Override
    public void onNext(ChangeStreamDocument event) {
      events.add(event);
    }

    @Override
    public void onError(Throwable e) {
      failure = e;
    }

    @Override
    public void onComplete() {
      completed = true;
    }

    List<Integer> ids() {
      List<Integer> ids = new ArrayList<>();
      events.forEach(e -> ids.add(e.getDocumentKey().getInt32("_id").getValue()));
      return ids;
    }
  }
}
