package io.sluice.node;

import static org.awaitility.Awaitility.await;

import io.sluice.client.SluiceCollection;
import io.sluice.protocol.SluiceException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.bson.Document;

/**
 * Inserts {@code {_id: 0, 1, 2, ...}} one at a time on its own thread, so log order is {@code _id}
 * order; keeps which writes were acknowledged and which failed (their outcome is unknown).
 */
final class SequentialWriter implements AutoCloseable {
  final Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
  final Set<Integer> unknown = ConcurrentHashMap.newKeySet();
  /** What stopped the writer other than a failed write or {@link #close}. */
  private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
  private final AtomicBoolean stop = new AtomicBoolean();
  private final Thread thread;

  SequentialWriter(SluiceCollection c) {
    thread = new Thread(() -> {
      for (int i = 0; !stop.get(); i++) {
        try {
          c.insertOne(new Document("_id", i));
          acknowledged.add(i);
        } catch (SluiceException e) {
          unknown.add(i);
        } catch (RuntimeException e) {
          failure.set(e);
          return;
        }
      }
    }, "sequential-writer");
    thread.start();
  }

  /** Waits until {@code n} more writes are acknowledged: the cluster is still taking writes. */
  void awaitMore(int n) {
    int target = acknowledged.size() + n;
    await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= target || failure.get() != null);
    if (failure.get() != null) {
      throw new AssertionError("the writer stopped", failure.get());
    }
  }

  int lastAcknowledged() {
    return acknowledged.stream().max(Integer::compare).orElseThrow();
  }

  /** The {@code _id}s the collection holds. */
  static List<Integer> stored(SluiceCollection c) {
    List<Integer> ids = new ArrayList<>();
    c.find().forEach(d -> ids.add(d.getInteger("_id")));
    return ids;
  }

  @Override
  public void close() throws InterruptedException {
    stop.set(true);
    thread.join();
  }
}
