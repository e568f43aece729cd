package io.sluice.node.bench;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import io.sluice.client.SluiceCollection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.bson.Document;

/**
 * A closed-loop write load: {@code writers} threads, each sending one small update ({@code $inc} of a
 * random document among {@code hotDocuments}) as soon as its previous one is acknowledged, and
 * recording each acknowledgement in a {@link ThroughputWindows}. A failed write is counted and the
 * writer goes on (the client already retried it up to its timeout).
 */
final class SteadyWrites implements AutoCloseable {
  private final SluiceCollection collection;
  private final int writers;
  private final int hotDocuments;
  private final AtomicBoolean stop = new AtomicBoolean();
  private final AtomicLong failures = new AtomicLong();
  private final ExecutorService pool;
  private final List<Future<?>> running = new ArrayList<>();

  SteadyWrites(SluiceCollection collection, int writers, int hotDocuments) {
    this.collection = collection;
    this.writers = writers;
    this.hotDocuments = hotDocuments;
    this.pool = Executors.newFixedThreadPool(writers, r -> {
      Thread t = new Thread(r, "bench-writer");
      t.setDaemon(true);
      return t;
    });
  }

  /** Inserts the documents the updates touch. */
  static void createHotDocuments(SluiceCollection collection, int count) {
    List<Document> batch = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      batch.add(new Document("_id", i).append("n", 0).append("pad", "x".repeat(100)));
    }
    collection.insertMany(batch);
  }

  /** Starts the writers; each acknowledgement is recorded in {@code windows}. */
  void start(ThroughputWindows windows) {
    stop.set(false);
    for (int t = 0; t < writers; t++) {
      running.add(pool.submit(() -> {
        while (!stop.get()) {
          if (updateOne()) {
            windows.record(System.nanoTime());
          }
        }
      }));
    }
  }

  /** Stops the writers and waits for their last writes. */
  void stop() throws Exception {
    stop.set(true);
    for (Future<?> f : running) {
      f.get(5, TimeUnit.MINUTES);
    }
    running.clear();
  }

  /** Sends exactly {@code count} updates with all writers and waits for them (while a follower is down, say). */
  void writeCount(int count) throws Exception {
    AtomicLong left = new AtomicLong(count);
    List<Future<?>> batch = new ArrayList<>();
    for (int t = 0; t < writers; t++) {
      batch.add(pool.submit(() -> {
        while (left.getAndDecrement() > 0) {
          updateOne();
        }
      }));
    }
    for (Future<?> f : batch) {
      f.get(30, TimeUnit.MINUTES);
    }
  }

  long failures() {
    return failures.get();
  }

  private boolean updateOne() {
    try {
      collection.updateOne(Filters.eq("_id", ThreadLocalRandom.current().nextInt(hotDocuments)), Updates.inc("n", 1));
      return true;
    } catch (RuntimeException e) {
      failures.incrementAndGet();
      return false;
    }
  }

  @Override
  public void close() {
    stop.set(true);
    pool.shutdownNow();
  }
}
