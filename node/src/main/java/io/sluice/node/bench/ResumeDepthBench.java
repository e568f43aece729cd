package io.sluice.node.bench;

import io.sluice.protocol.Position;
import io.sluice.protocol.Replies;
import io.sluice.protocol.ResumeToken;
import io.sluice.statemachine.EntryApplier;
import io.sluice.statemachine.changestream.ChangeHub;
import io.sluice.statemachine.changestream.ChangeStreamService;
import io.sluice.statemachine.changestream.HistoryWindow;
import io.sluice.statemachine.command.LogEntry;
import io.sluice.statemachine.storage.MapDbDocumentStore;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;

/**
 * {@code bench resume-depth}: what resuming costs as a function of how far back the token is, on
 * one node's own store, without Raft: {@code entries} inserts are applied as the state machine
 * applies them, then streams are opened after tokens 1, 1,000, 100,000 and {@code entries - 1}
 * entries back, and the time to the first event is measured. Isolates the history seek from the
 * cluster's write throughput, which would take hours to fill a million entries on a small machine.
 */
final class ResumeDepthBench {
  private final int entries;
  private final Path dir;
  private final PrintWriter out;

  ResumeDepthBench(int entries, Path dir, PrintWriter out) {
    this.entries = entries;
    this.dir = dir;
    this.out = out;
  }

  Map<String, Object> run() {
    Map<String, Object> results = new LinkedHashMap<>();
    ScheduledExecutorService timers = Executors.newScheduledThreadPool(2);
    try (MapDbDocumentStore store = MapDbDocumentStore.open(dir)) {
      ChangeHub hub = new ChangeHub(0, 10_000, 64L << 20, timers);
      EntryApplier applier = new EntryApplier(store, new HistoryWindow(entries + 1L, 1L << 40, Optional.empty()), hub, Duration.ofMinutes(30));
      ChangeStreamService streams = new ChangeStreamService(store, hub, timers, System::nanoTime, Duration.ofMinutes(10),
          Duration.ofSeconds(1), 1);
      long start = System.nanoTime();
      for (int i = 1; i <= entries; i++) {
        BsonDocument insert = new BsonDocument("insert", new BsonString("c")).append("$db", new BsonString("bench"))
            .append("documents", new BsonArray(List.of(new BsonDocument("_id", new BsonInt32(i)).append("pad", new BsonString("x".repeat(100))))));
        applier.apply(new Position(1, i), new LogEntry(1_700_000_000_000L + i, LogEntry.toBytes(insert)));
        if (i % 100_000 == 0) {
          out.printf("  applied %,d entries (%.0f/s)%n", i, i / ((System.nanoTime() - start) / 1e9));
          out.flush();
        }
      }
      for (int back : new int[] {1, 1_000, 100_000, entries - 1}) {
        if (back < 1 || back >= entries) {
          continue;
        }
        long index = entries - back;
        Latency latency = new Latency();
        for (int rep = 0; rep < 50; rep++) {
          BsonDocument open = new BsonDocument("aggregate", new BsonString("c")).append("$db", new BsonString("bench"))
              .append("pipeline", new BsonArray(List.of(new BsonDocument("$changeStream",
                  new BsonDocument("resumeAfter", ResumeToken.event(1, index, 0).toBson())))))
              .append("cursor", new BsonDocument("batchSize", new BsonInt32(1)));
          long t0 = System.nanoTime();
          BsonDocument cursor = Replies.check(streams.execute(open).join()).getDocument("cursor");
          latency.recordNanos(System.nanoTime() - t0);
          int first = cursor.getArray("firstBatch").get(0).asDocument().getDocument("documentKey").getInt32("_id").getValue();
          if (first != index + 1) {
            throw new IllegalStateException("resumed at _id " + first + ", expected " + (index + 1));
          }
          streams.execute(new BsonDocument("killCursors", new BsonString("c")).append("$db", new BsonString("bench"))
              .append("cursors", new BsonArray(List.of(new BsonInt64(cursor.getInt64("id").getValue()))))).join();
        }
        out.printf("resume %,d entries back (open + first event, one node, no Raft): %s%n", back, latency.summary());
        out.flush();
        results.put(String.valueOf(back), latency.toMap());
      }
      streams.close();
    } finally {
      timers.shutdownNow();
    }
    return results;
  }
}
