package io.sluice.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.client.ChangeStreamCursor;
import io.sluice.client.ChangeStreamDocument;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceCollection;
import io.sluice.client.WriteResult;
import io.sluice.protocol.SluiceException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bson.Document;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The promise of Sluice: a stream read from follower F, while a writer writes, survives the loss of
 * the leader and then of F itself, resuming on the third node with no gap, no duplicate and no
 * reorder. Each seed varies the write sizes and pacing.
 */
class ChangeStreamFailoverTest {
  @TempDir
  Path dir;

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3})
  void aFollowerStreamDeliversEveryAcknowledgedWriteOnceInLogOrderAcrossTwoFailures(long seed) throws Exception {
    Random random = new Random(seed);
    try (LocalCluster cluster = LocalCluster.start(dir, 3)) {
      SluiceClient client = cluster.client("timeoutMS=20000");
      SluiceCollection c = client.getDatabase("failover").getCollection("events");
      int leader = cluster.awaitLeader();
      int follower = cluster.aFollower();
      int third = 3 - leader - follower;

      Map<Integer, WriteResult> acknowledged = new ConcurrentHashMap<>();
      Set<Integer> definitelyFailed = ConcurrentHashMap.newKeySet();
      Set<Integer> unknown = ConcurrentHashMap.newKeySet();
      List<ChangeStreamDocument> received = new CopyOnWriteArrayList<>();
      List<String> servedBy = new CopyOnWriteArrayList<>();
      AtomicBoolean stopWriting = new AtomicBoolean();

      ChangeStreamCursor<ChangeStreamDocument> stream = c.watch().onNode(cluster.node(follower).config().address()).cursor();
      servedBy.add(stream.servingNode());
      Thread reader = new Thread(() -> {
        while (!stream.isClosed() && !Thread.currentThread().isInterrupted()) {
          try {
            ChangeStreamDocument event = stream.tryNext();
            if (event != null) {
              received.add(event);
              if (!servedBy.get(servedBy.size() - 1).equals(stream.servingNode())) {
                servedBy.add(stream.servingNode());
              }
            }
          } catch (RuntimeException e) {
            if (!stream.isClosed()) {
              throw e;
            }
          }
        }
      }, "stream-reader");
      reader.start();

      Thread writer = new Thread(() -> {
        for (int i = 0; !stopWriting.get(); i++) {
          try {
            acknowledged.put(i, c.insertOne(new Document("_id", i).append("pad", "x".repeat(random.nextInt(200)))));
          } catch (SluiceException e) {
            unknown.add(i);
          }
          if (i % 7 == 0 && acknowledged.containsKey(i)) {
            // A write that definitely fails (duplicate _id): it must leave no event behind.
            try {
              c.insertOne(new Document("_id", i).append("second", true));
            } catch (SluiceException e) {
              if (e.errorCode() == io.sluice.protocol.ErrorCode.DUPLICATE_KEY) {
                definitelyFailed.add(i);
              }
            }
          }
        }
      }, "writer");
      writer.start();

      // Stopped however the run ends: a writer left running after a failed wait floods the log for good.
      try {
        await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= 20 + random.nextInt(20));
        cluster.stop(leader);
        int afterLeaderLoss = acknowledged.size();
        await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= afterLeaderLoss + 20);
        cluster.stop(follower);
        int afterFollowerLoss = acknowledged.size();
        await().atMost(Duration.ofSeconds(60)).until(() -> received.size() >= afterFollowerLoss);
        // The two survivors' cluster is back when the leader restarts; it also gives the writer a majority.
        cluster.start(leader);
        await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= afterFollowerLoss + 20);
        stopWriting.set(true);
        writer.join();
        int maxAcknowledged = acknowledged.keySet().stream().max(Integer::compare).orElseThrow();
        await().atMost(Duration.ofSeconds(60)).until(() -> received.stream()
            .anyMatch(e -> e.getDocumentKey().getInt32("_id").getValue() == maxAcknowledged));
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        printThreads(); // where the stream or the writer is stuck
        throw e;
      } finally {
        stopWriting.set(true);
        writer.join();
        stream.close();
        reader.join();
      }

      List<Integer> ids = new ArrayList<>();
      received.forEach(e -> ids.add(e.getDocumentKey().getInt32("_id").getValue()));
      assertThat(ids).as("no duplicate").doesNotHaveDuplicates();
      assertThat(ids).as("every acknowledged write").containsAll(acknowledged.keySet());
      assertThat(definitelyFailed).as("the run made writes that definitely failed").isNotEmpty();
      assertThat(received).as("nothing from a write that definitely failed")
          .noneMatch(e -> e.getFullDocument() != null && e.getFullDocument().containsKey("second"));
      assertThat(ids).as("only writes that were made").allMatch(id -> acknowledged.containsKey(id) || unknown.contains(id));
      for (int i = 1; i < received.size(); i++) {
        assertThat(received.get(i).getResumeToken()).as("log order").isGreaterThan(received.get(i - 1).getResumeToken());
      }
      // Acknowledged writes appear in the order of their log positions.
      List<Integer> acknowledgedInLogOrder = acknowledged.entrySet().stream()
          .sorted(Map.Entry.comparingByValue((a, b) -> a.position().compareTo(b.position()))).map(Map.Entry::getKey).toList();
      assertThat(ids.stream().filter(acknowledged::containsKey).toList()).isEqualTo(acknowledgedInLogOrder);
      assertThat(servedBy).as("the stream moved to the third node").contains(cluster.node(third).config().address());
    }
  }

  private static void printThreads() {
    Thread.getAllStackTraces().forEach((thread, stack) -> {
      StringBuilder text = new StringBuilder("thread ").append(thread.getName()).append(' ').append(thread.getState());
      for (StackTraceElement frame : stack) {
        text.append("\n    at ").append(frame);
      }
      System.err.println(text);
    });
  }
}
