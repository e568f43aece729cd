package io.sluice.node;

import static com.mongodb.client.model.Filters.eq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceCollection;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Losing the leader while a writer writes loses no acknowledged write and applies none twice. */
class LeaderFailoverTest {
  @TempDir
  Path dir;

  @Test
  void everyAcknowledgedWriteIsPresentExactlyOnceAfterTheLeaderIsKilled() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(dir, 3)) {
      SluiceClient client = cluster.client("timeoutMS=20000");
      SluiceCollection docs = client.getDatabase("chaos").getCollection("docs");
      List<Integer> acknowledged = new CopyOnWriteArrayList<>();
      List<SluiceException> failures = new CopyOnWriteArrayList<>();
      AtomicInteger acknowledgedIncrements = new AtomicInteger();
      AtomicInteger unknownIncrements = new AtomicInteger();
      AtomicBoolean stop = new AtomicBoolean();

      Thread writer = new Thread(() -> {
        for (int i = 0; !stop.get(); i++) {
          try {
            docs.insertOne(new Document("_id", i).append("v", "value-" + i));
            acknowledged.add(i);
          } catch (SluiceException e) {
            failures.add(e);
          }
          try {
            docs.updateOne(eq("_id", "counter"), Updates.inc("n", 1), new UpdateOptions().upsert(true));
            acknowledgedIncrements.incrementAndGet();
          } catch (SluiceException e) {
            unknownIncrements.incrementAndGet();
          }
        }
      }, "writer");
      writer.start();
      await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= 30);
      int oldLeader = cluster.awaitLeader();
      cluster.stop(oldLeader);
      int afterKill = acknowledged.size();
      await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= afterKill + 30);
      stop.set(true);
      writer.join();

      // A write applied twice would have answered its retry with a duplicate key error.
      assertThat(failures).noneMatch(e -> e.errorCode() == ErrorCode.DUPLICATE_KEY);
      for (int id : acknowledged) {
        assertThat(docs.countDocuments(eq("_id", id))).as("acknowledged insert %d", id).isEqualTo(1);
      }
      int counter = docs.find(eq("_id", "counter")).first().getInteger("n");
      assertThat(counter).isBetween(acknowledgedIncrements.get(), acknowledgedIncrements.get() + unknownIncrements.get());

      cluster.start(oldLeader);
      cluster.awaitIdenticalState();
    }
  }
}
