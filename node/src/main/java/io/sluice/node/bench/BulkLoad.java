package io.sluice.node.bench;

import io.sluice.client.SluiceCollection;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.bson.Document;

/**
 * Fills a collection with {@code documents} documents of about {@code documentBytes} bytes each, in
 * {@code insertMany} batches of {@code perBatch} documents from several threads. Documents differ
 * from each other (each is a different slice of a random text), so nothing about the figures depends
 * on repeated content.
 */
final class BulkLoad {
  /** What loading took. */
  record Loaded(long documents, long bytes, double seconds) {
    double mibPerSecond() {
      return bytes / 1048576.0 / seconds;
    }
  }

  private final SluiceCollection collection;
  private final int threads;
  private final int documentBytes;
  private final int perBatch;
  private final String text;

  BulkLoad(SluiceCollection collection, int threads, int documentBytes, int perBatch) {
    this.collection = collection;
    this.threads = threads;
    this.documentBytes = documentBytes;
    this.perBatch = perBatch;
    Random random = new Random(42);
    StringBuilder b = new StringBuilder(4 * documentBytes);
    String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    for (int i = 0; i < 4 * documentBytes; i++) {
      b.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    this.text = b.toString();
  }

  Loaded load(long documents, PrintWriter out) throws Exception {
    long batches = (documents + perBatch - 1) / perBatch;
    AtomicInteger next = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    long started = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        futures.add(pool.submit(() -> {
          for (long b; (b = next.getAndIncrement()) < batches; ) {
            collection.insertMany(batch(b * perBatch, Math.min(documents, (b + 1) * perBatch)));
            int finished = done.incrementAndGet();
            if (finished % Math.max(1, batches / 10) == 0) {
              double seconds = (System.nanoTime() - started) / 1e9;
              out.printf("  loaded %d of %d batches in %.0f s%n", finished, batches, seconds);
              out.flush();
            }
          }
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get(2, TimeUnit.HOURS);
      }
    } finally {
      pool.shutdownNow();
    }
    return new Loaded(documents, documents * (long) documentBytes, (System.nanoTime() - started) / 1e9);
  }

  private List<Document> batch(long from, long to) {
    List<Document> batch = new ArrayList<>();
    for (long id = from; id < to; id++) {
      int offset = (int) ((id * 7919) % (text.length() - documentBytes));
      // The _id and field names take ~30 bytes of the document's size.
      batch.add(new Document("_id", id).append("payload", text.substring(offset, offset + documentBytes - 30)));
    }
    return batch;
  }
}
