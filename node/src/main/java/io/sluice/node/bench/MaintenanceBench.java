package io.sluice.node.bench;

import io.sluice.protocol.Position;
import io.sluice.statemachine.EntryApplier;
import io.sluice.statemachine.changestream.ChangeHub;
import io.sluice.statemachine.changestream.HistoryWindow;
import io.sluice.statemachine.command.LogEntry;
import io.sluice.statemachine.storage.CompactionPolicy;
import io.sluice.statemachine.storage.MapDbDocumentStore;
import io.sluice.statemachine.storage.StoreUsage;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code bench maintenance}: what keeping a store's disk bounded costs and gives, on two local stores
 * without Raft, one maintained (trees renewed, the file compacted) and one not, fed the same entries
 * in turns: updates of 10,000 documents, each a retryable write whose session expires after 10 s of
 * entry time (an entry a millisecond), with a 10,000-entry change history. Every 100,000 entries it
 * prints each store's file and records, and the apply time of the entries since.
 */
final class MaintenanceBench {
  private static final int DOCUMENTS = 10_000;
  private static final int REPORT_EVERY = 100_000;
  /** Small, so that compaction is seen within a short run; the node's default waits for 64 MiB free. */
  private static final CompactionPolicy POLICY = new CompactionPolicy(4L << 20, 0.5);

  private final int entries;
  private final Path dir;
  private final PrintWriter out;

  MaintenanceBench(int entries, Path dir, PrintWriter out) {
    this.entries = entries;
    this.dir = dir;
    this.out = out;
  }

  Map<String, Object> run() {
    List<Map<String, Object>> rows = new ArrayList<>();
    try (MapDbDocumentStore maintained = MapDbDocumentStore.open(dir.resolve("maintained"), POLICY);
         MapDbDocumentStore unmaintained = MapDbDocumentStore.open(dir.resolve("unmaintained"), CompactionPolicy.OFF)) {
      Feed withMaintenance = new Feed("maintained", maintained);
      Feed without = new Feed("unmaintained", unmaintained);
      for (int i = 1; i <= entries; i++) {
        withMaintenance.apply(i);
        without.apply(i);
        if (i % REPORT_EVERY == 0 || i == entries) {
          rows.add(Map.of("entries", i, "maintained", withMaintenance.report(i), "unmaintained", without.report(i)));
        }
      }
    }
    Map<String, Object> results = new LinkedHashMap<>();
    results.put("compaction_policy", Map.of("min_free_bytes", POLICY.minFreeBytes(), "min_free_share", POLICY.minFreeShare()));
    results.put("rows", rows);
    return results;
  }

  /** One store and the same entries as the other's: the same seed, client and clock. */
  private final class Feed {
    private final String name;
    private final MapDbDocumentStore store;
    private final EntryApplier applier;
    private final SteadyEntries load = new SteadyEntries(DOCUMENTS);
    private Latency latency = new Latency();

    Feed(String name, MapDbDocumentStore store) {
      this.name = name;
      this.store = store;
      this.applier = new EntryApplier(store, new HistoryWindow(10_000, 1L << 30, Optional.empty()),
          new ChangeHub(0, 1_000, 1L << 20, Runnable::run), Duration.ofSeconds(10));
    }

    void apply(int index) {
      LogEntry entry = load.entry(index);
      long start = System.nanoTime();
      applier.apply(new Position(1, index), entry);
      latency.recordNanos(System.nanoTime() - start);
    }

    Map<String, Object> report(int index) {
      StoreUsage usage = store.usage();
      double fileMib = usage.fileBytes() / 1048576.0;
      double recordsMib = (usage.fileBytes() - usage.freeBytes()) / 1048576.0;
      out.printf("%,9d entries, %-12s file %6.1f MiB, records %5.1f MiB, compactions %3d, renewals %3d; apply %s%n", index, name,
          fileMib, recordsMib, usage.compactions(), usage.renewals(), latency.summary());
      out.flush();
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("file_mib", fileMib);
      row.put("records_mib", recordsMib);
      row.put("compactions", usage.compactions());
      row.put("renewals", usage.renewals());
      row.put("apply", latency.toMap());
      latency = new Latency();
      return row;
    }
  }
}
