package io.sluice.node.bench;

import io.sluice.protocol.Position;
import io.sluice.protocol.Replies;
import io.sluice.statemachine.EntryApplier;
import io.sluice.statemachine.changestream.ChangeHub;
import io.sluice.statemachine.changestream.ChangeStreamService;
import io.sluice.statemachine.changestream.HistoryWindow;
import io.sluice.statemachine.command.LogEntry;
import io.sluice.statemachine.storage.MapDbDocumentStore;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;

/**
 * What many streams cost a node per write, pinned against unpinned, side by side: one store without
 * Raft and {@code streams} streams on it, stream k watching {@code {'fullDocument.owner': k}} (pinned)
 * or the same filter inside an {@code $or} (which pins nothing), each with a getMore waiting. Inserts
 * are applied one after another as fast as they go, insert i owned by i mod {@code streams}: each
 * wakes the streams it may concern, on the applying thread, and its owner's stream is answered and
 * waits again. Pinned and unpinned take turns, {@code runs} pairs after one unmeasured pair; the pinned
 * side applies ten times as many inserts, so that its runs are not over in a few milliseconds.
 */
final class PinnedFanoutBench {
  /** The longest a getMore may wait: an unpinned run that takes longer sees its getMores time out and wait again. */
  private static final int AWAIT_MS = (int) ChangeStreamService.MAX_AWAIT.toMillis();

  private final int streams;
  private final int writes;
  private final int runs;
  private final PrintWriter out;

  PinnedFanoutBench(int streams, int writes, int runs, PrintWriter out) {
    this.streams = streams;
    this.writes = writes;
    this.runs = runs;
    this.out = out;
  }

  Map<String, Object> run() {
    List<Double> pinned = new ArrayList<>();
    List<Double> unpinned = new ArrayList<>();
    List<Double> ratios = new ArrayList<>();
    for (int pair = 0; pair <= runs; pair++) {
      boolean pinnedFirst = pair % 2 == 0;
      double first = writesPerSecond(pinnedFirst);
      double second = writesPerSecond(!pinnedFirst);
      double withPins = pinnedFirst ? first : second;
      double without = pinnedFirst ? second : first;
      out.printf("%s %d streams: pinned %,.0f writes/s, unpinned %,.0f writes/s, ratio %.1f%n", pair == 0 ? "warm-up" : "run " + pair,
          streams, withPins, without, withPins / without);
      out.flush();
      if (pair > 0) {
        pinned.add(withPins);
        unpinned.add(without);
        ratios.add(withPins / without);
      }
    }
    Map<String, Object> results = new LinkedHashMap<>();
    results.put("streams", streams);
    results.put("pinned_writes_per_second", median(pinned));
    results.put("unpinned_writes_per_second", median(unpinned));
    results.put("ratio", median(ratios));
    out.printf("median of %d: pinned %,.0f writes/s, unpinned %,.0f writes/s, ratio %.1f (per pair)%n", runs, median(pinned),
        median(unpinned), median(ratios));
    return results;
  }

  private double writesPerSecond(boolean pinned) {
    int inserts = pinned ? 10 * writes : writes;
    ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    MapDbDocumentStore store = MapDbDocumentStore.inMemory();
    ChangeHub hub = new ChangeHub(0, 1_000, 64L << 20, Runnable::run);
    ChangeStreamService service = new ChangeStreamService(store, hub, timers, System::nanoTime, Duration.ofMinutes(10),
        Duration.ofSeconds(1), 42);
    try {
      EntryApplier applier = new EntryApplier(store, HistoryWindow.DEFAULT, hub, Duration.ofMinutes(30));
      AtomicLong delivered = new AtomicLong();
      for (int k = 0; k < streams; k++) {
        BsonDocument owner = new BsonDocument("fullDocument.owner", new BsonInt32(k));
        BsonDocument match = pinned ? owner : new BsonDocument("$or", new BsonArray(List.of(owner)));
        BsonDocument aggregate = new BsonDocument("aggregate", new BsonString("c")).append("$db", new BsonString("db"))
            .append("pipeline", new BsonArray(List.of(new BsonDocument("$changeStream", new BsonDocument()), new BsonDocument("$match", match))));
        long cursor = Replies.check(service.execute(aggregate).join()).getDocument("cursor").getInt64("id").getValue();
        await(service, cursor, delivered);
      }
      long start = System.nanoTime();
      for (int i = 1; i <= inserts; i++) {
        BsonDocument insert = new BsonDocument("insert", new BsonString("c")).append("$db", new BsonString("db")).append("documents",
            new BsonArray(List.of(new BsonDocument("_id", new BsonInt32(i)).append("owner", new BsonInt32(i % streams)))));
        applier.apply(new Position(1, i), new LogEntry(i, LogEntry.toBytes(insert)));
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      // A getMore that timed out meanwhile is answered on the timer thread: its next event may come a little later.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (delivered.get() < inserts && System.nanoTime() < deadline) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
      }
      if (delivered.get() != inserts) {
        throw new IllegalStateException(delivered.get() + " events delivered for " + inserts + " inserts");
      }
      return inserts / seconds;
    } finally {
      service.close();
      timers.shutdownNow();
      store.close();
    }
  }

  /** A getMore that waits; when it is answered, the events are counted and the next one waits. */
  private static void await(ChangeStreamService service, long cursor, AtomicLong delivered) {
    BsonDocument getMore = new BsonDocument("getMore", new BsonInt64(cursor)).append("collection", new BsonString("c"))
        .append("$db", new BsonString("db")).append("maxTimeMS", new BsonInt32(AWAIT_MS));
    service.execute(getMore).thenAccept(reply -> {
      if (reply.isDocument("cursor")) {
        delivered.addAndGet(reply.getDocument("cursor").getArray("nextBatch").size());
        await(service, cursor, delivered);
      }
    });
  }

  private static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    return sorted.get(sorted.size() / 2);
  }
}
