package io.sluice.node.bench;

import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceCollection;
import io.sluice.node.NodeConfig;
import io.sluice.node.bench.ThroughputWindows.Dip;
import io.sluice.node.bench.ThroughputWindows.Span;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * {@code bench durability}: what snapshots, restarts and snapshot installs cost on a node holding
 * {@code dataMb} MiB of documents. Starts three real nodes in this JVM, loads the documents through
 * the client, then in each run measures side by side: snapshot time on a follower, on the leader and
 * on all three at once, with the write throughput of a steady load in
 * one-second windows during each snapshot against the windows without one; the restart of a follower
 * after a clean stop, and after a crash (store discarded, rebuilt from its snapshot and its own log);
 * and the install of the leader's snapshot on a follower that lost its disk. Every run ends by
 * checking that the three nodes hold identical state. Figures are for reports, never for tests.
 */
final class DurabilityBench {
  record Options(int dataMb, int runs, int writers, int gapSeconds, int warmupSeconds, int behind, int replay, int snapshotPace, Path dir) {}

  static final int DOCUMENT_BYTES = 16 * 1024;
  private static final int PER_BATCH = 64; // 64 documents of 16 KiB: one ~1 MiB insertMany
  private static final int HOT_DOCUMENTS = 1000;
  private static final Duration LONG_WAIT = Duration.ofMinutes(30);
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  private final Options options;
  private final PrintWriter out;
  private final FigureTable table = new FigureTable();
  private final List<Map<String, Object>> runDetails = new ArrayList<>();
  private BenchCluster cluster;
  private SteadyWrites writes;

  DurabilityBench(Options options, PrintWriter out) {
    this.options = options;
    this.out = out;
  }

  /**
   * The nodes' settings: snapshots only when the bench asks, at the pace asked for, and a log that a
   * snapshot purges right up to it (Ratis purges closed segments only: 1 MiB segments close every few
   * thousand small writes).
   */
  static NodeConfig.Builder nodeSettings(NodeConfig.Builder b, int snapshotPace) {
    return b.snapshotEveryEntries(1_000_000_000L).logEntriesKeptAfterSnapshot(0).raftSegmentSizeMb(1).snapshotWriteMibPerSecond(snapshotPace);
  }

  /**
   * Disk the bench may need at its peak: per node, a store of the documents plus the change history
   * (which keeps inserted documents, up to its default 1 GiB), two retained snapshots and one being
   * written or installed, and the Raft log of the load before the first snapshot purges it.
   */
  static long diskNeeded(int dataMb) {
    long storeMb = dataMb + Math.min(dataMb, 1024);
    return (3 * (4 * storeMb + dataMb) + 1024) << 20;
  }

  Map<String, Object> run() throws Exception {
    Map<String, Object> results = new LinkedHashMap<>();
    Path root = Files.createTempDirectory(options.dir(), "sluice-durability-");
    Map<String, Object> machine = machine(root);
    results.put("machine", machine);
    long documents = (long) options.dataMb() * 1024 * 1024 / DOCUMENT_BYTES;
    say("durability: 3 nodes in this JVM, %,d MiB of documents (%,d of %d KiB), %d run(s), %d writers, snapshots written at %s", options.dataMb(),
        documents, DOCUMENT_BYTES / 1024, options.runs(), options.writers(),
        options.snapshotPace() == 0 ? "full speed" : options.snapshotPace() + " MiB/s");
    say("machine: %s", machine.get("summary"));
    say("data in %s; node logs in %s", root, root.resolve("nodes.log"));
    try (NodeLogFile logs = NodeLogFile.redirect(root.resolve("nodes.log"));
         BenchCluster started = BenchCluster.start(root, 3, b -> nodeSettings(b, options.snapshotPace()));
         SluiceClient client = SluiceClient.connect(started.connectionString() + "/?timeoutMS=300000")) {
      cluster = started;
      SluiceCollection hot = client.getDatabase("bench").getCollection("hot");
      SteadyWrites.createHotDocuments(hot, HOT_DOCUMENTS);
      BulkLoad.Loaded loaded = new BulkLoad(client.getDatabase("bench").getCollection("data"), 4, DOCUMENT_BYTES, PER_BATCH)
          .load(documents, out);
      say("loaded %,d MiB in %.0f s (%.1f MiB/s); store file %,d MiB per node", loaded.bytes() >> 20, loaded.seconds(),
          loaded.mibPerSecond(), storeBytes(0) >> 20);
      results.put("load", Map.of("documents", loaded.documents(), "bytes", loaded.bytes(), "seconds", loaded.seconds(),
          "store_bytes", storeBytes(0)));
      try (SteadyWrites steady = new SteadyWrites(hot, options.writers(), HOT_DOCUMENTS)) {
        writes = steady;
        warmUp();
        for (int run = 1; run <= options.runs(); run++) {
          Map<String, Object> details = new LinkedHashMap<>();
          say("run %d of %d", run, options.runs());
          snapshots(run, details);
          cleanRestart(run, details);
          crashRestart(run, details);
          install(run, details);
          details.put("write_failures", steady.failures());
          runDetails.add(details);
          checkIdenticalState();
        }
      }
      say("");
      say("Medians of %d run(s). 'writes while it runs': the write rate over the one-second windows that overlap the", options.runs());
      say("snapshot, as a share of the median window without a snapshot within %d s of it, same run (%d closed-loop writers",
          options.gapSeconds(), options.writers());
      say("of small updates). 'caught up': the follower applied what the leader had when it was started.");
      out.print(table.render(options.runs()));
      out.flush();
    } finally {
      cluster = null;
      deleteData(root);
    }
    results.put("figures", table.toMap());
    results.put("runs", runDetails);
    return results;
  }

  private void warmUp() throws Exception {
    if (options.warmupSeconds() > 0) {
      say("warming up: %d s of steady writes", options.warmupSeconds());
      writes.start(new ThroughputWindows(System.nanoTime(), SECOND, 1));
      sleepSeconds(options.warmupSeconds());
      writes.stop();
    }
  }

  /** A snapshot taken on demand on some nodes: its label, when it ran, and how long it took. */
  private record Taken(String label, Span span, double seconds) {}

  /** Snapshots on a follower, on the leader and on all three, each between gaps of steady writes. */
  private void snapshots(int run, Map<String, Object> details) throws Exception {
    ThroughputWindows windows = new ThroughputWindows(System.nanoTime(), SECOND, 24 * 3600);
    Map<String, Taken> taken = new LinkedHashMap<>();
    writes.start(windows);
    try {
      sleepSeconds(options.gapSeconds());
      taken.put("follower", timedSnapshot("snapshot on a follower (s)", List.of(cluster.aFollower()), windows));
      sleepSeconds(options.gapSeconds());
      int leader = cluster.awaitLeader();
      taken.put("leader", timedSnapshot("snapshot on the leader (s)", List.of(leader), windows));
      if (cluster.awaitLeader() != leader) {
        say("  the leader changed during its snapshot");
      }
      sleepSeconds(options.gapSeconds());
      taken.put("all", timedSnapshot("snapshot on all 3 at once (s)",
          IntStream.range(0, cluster.size()).boxed().toList(), windows));
      sleepSeconds(options.gapSeconds());
    } finally {
      writes.stop();
    }
    long[] counts = windows.completeWindows(System.nanoTime());
    List<Span> spans = taken.values().stream().map(Taken::span).toList();
    Map<String, Object> dips = new LinkedHashMap<>();
    List<Double> baselines = new ArrayList<>();
    for (Map.Entry<String, Taken> e : taken.entrySet()) {
      // Window 0 holds the writers' start.
      Dip dip = ThroughputWindows.dip(counts, windows.windowNanos(), 1, e.getValue().span(), spans, options.gapSeconds());
      baselines.add(dip.baselinePerSecond());
      table.add(run, "snapshot_" + e.getKey(), e.getValue().label(), "%.2f", e.getValue().seconds());
      table.add(run, "snapshot_" + e.getKey() + "_writes", "  writes while it runs (% of without)", "%.0f%%", 100 * dip.ratio());
      dips.put(e.getKey(), Map.of("seconds", e.getValue().seconds(), "baseline_per_second", dip.baselinePerSecond(),
          "during_per_second", dip.duringPerSecond(), "ratio", dip.ratio(), "windows", dip.windows()));
    }
    table.add(run, "baseline_writes", "writes/s without a snapshot (median of the 3 baselines)", "%.0f",
        ThroughputWindows.median(baselines.stream().mapToDouble(Double::doubleValue).toArray()));
    table.add(run, "snapshot_mib", "snapshot file (MiB)", "%.0f", Files.size(cluster.latestSnapshotFile(cluster.awaitLeader())
        .orElseThrow()) / 1048576.0);
    say("  writes per second, [ ] overlapping a snapshot: %s", windowLine(counts, spans));
    details.put("snapshots", dips);
    details.put("windows", counts);
  }

  private Taken timedSnapshot(String label, List<Integer> nodes, ThroughputWindows windows) {
    long start = System.nanoTime();
    List<CompletableFuture<Long>> futures = nodes.stream().map(i -> cluster.snapshot(i, LONG_WAIT)).toList();
    List<Long> indexes = IntStream.range(0, nodes.size())
        .mapToObj(k -> cluster.await(futures.get(k), nodes.get(k), LONG_WAIT, "taking a snapshot")).toList();
    long end = System.nanoTime();
    say("  %s: nodes %s at index %s in %.2f s", label, nodes, indexes, (end - start) / 1e9);
    return new Taken(label, windows.span(start, end), (end - start) / 1e9);
  }

  /** Stop a follower cleanly, write while it is down, start it and wait until it caught up. */
  private void cleanRestart(int run, Map<String, Object> details) throws Exception {
    int follower = cluster.aFollower();
    long start = System.nanoTime();
    cluster.stop(follower);
    table.add(run, "stop", "clean stop of a follower (s)", "%.2f", (System.nanoTime() - start) / 1e9);
    writes.writeCount(options.behind());
    restartAndCatchUp(run, follower, "restart", "restart after a clean stop", details);
  }

  /**
   * A crash: the follower's store is discarded at start, restored from its snapshot, and its own log
   * after the snapshot is replayed. So that there is a log to replay, the follower first runs for
   * {@code replay} entries (a node takes no snapshot when it stops).
   */
  private void crashRestart(int run, Map<String, Object> details) throws Exception {
    int follower = cluster.aFollower();
    writes.writeCount(options.replay());
    awaitCaughtUp(follower, cluster.node(cluster.awaitLeader()).appliedPosition().index());
    cluster.stop(follower);
    cluster.markCrashed(follower);
    writes.writeCount(options.behind());
    long replayed = restartAndCatchUp(run, follower, "crash", "restart after a crash", details);
    table.add(run, "crash_entries", "  entries after its snapshot", "%.0f", replayed);
  }

  /**
   * A follower loses its disk; the leader writes on, snapshots and purges its log past everything the
   * follower had. Until then the leader keeps sending from the follower's old match index and the
   * follower keeps refusing (Raft assumes no disk is lost), so the bench writes and snapshots in rounds
   * until the purge has happened.
   */
  private void install(int run, Map<String, Object> details) throws Exception {
    int follower = cluster.aFollower();
    cluster.stop(follower);
    int leader = cluster.awaitLeader();
    long hadUpTo = cluster.lastLogIndex(leader);
    cluster.wipe(follower);
    List<Integer> running = IntStream.range(0, cluster.size()).filter(i -> i != follower).boxed().toList();
    int rounds = 0;
    do {
      writes.writeCount(Math.max(options.behind(), 1000));
      running.forEach(i -> cluster.await(cluster.snapshot(i, LONG_WAIT), i, LONG_WAIT, "taking a snapshot"));
      rounds++;
      leader = cluster.awaitLeader();
    } while (cluster.logStartIndex(leader) <= hadUpTo + 1 && rounds < 20);
    if (cluster.logStartIndex(leader) <= hadUpTo + 1) {
      throw new IllegalStateException("after " + rounds + " rounds of writes and snapshots the leader's log still starts at "
          + cluster.logStartIndex(leader) + ", not past the wiped follower's old end " + hadUpTo);
    }
    details.put("install_rounds", rounds);
    restartAndCatchUp(run, follower, "install", "snapshot install on a wiped follower", details);
    Path file = cluster.latestSnapshotFile(follower).orElseThrow(() -> new IllegalStateException("the wiped follower has no snapshot"));
    table.add(run, "install_mib", "  snapshot sent (MiB)", "%.0f", Files.size(file) / 1048576.0);
  }

  /**
   * Starts a stopped follower and times start() and the catch-up (and, for an install, when the
   * snapshot was loaded); returns how many entries were past its snapshot.
   */
  private long restartAndCatchUp(int run, int follower, String key, String label, Map<String, Object> details) {
    long target = cluster.node(cluster.awaitLeader()).appliedPosition().index();
    long start = System.nanoTime();
    cluster.start(follower);
    long started = System.nanoTime();
    long snapshotAtStart = cluster.snapshotIndex(follower);
    long[] snapshotLoaded = {0};
    BenchCluster.waitUntil(() -> {
      requireAlive(follower);
      if (snapshotLoaded[0] == 0 && cluster.snapshotIndex(follower) != snapshotAtStart) {
        snapshotLoaded[0] = System.nanoTime();
      }
      return cluster.node(follower).appliedPosition().index() >= target;
    }, LONG_WAIT, "node " + follower + " to apply index " + target);
    long caughtUp = System.nanoTime();
    long snapshotIndex = cluster.snapshotIndex(follower);
    say("  %s: node %d started in %.2f s, caught up to %d in %.2f s (snapshot at %d)", key, follower, (started - start) / 1e9, target,
        (caughtUp - start) / 1e9, snapshotIndex);
    table.add(run, key + "_start", label + ": start() (s)", "%.2f", (started - start) / 1e9);
    if (key.equals("install")) {
      table.add(run, key + "_loaded", "  start to snapshot received and loaded (s)", "%.2f",
          snapshotLoaded[0] == 0 ? Double.NaN : (snapshotLoaded[0] - start) / 1e9);
    }
    table.add(run, key + "_caught_up", "  start to caught up with the leader (s)", "%.2f", (caughtUp - start) / 1e9);
    details.put(key + "_snapshot_index", snapshotIndex);
    details.put(key + "_target_index", target);
    return target - snapshotIndex;
  }

  private void awaitCaughtUp(int node, long index) {
    BenchCluster.waitUntil(() -> requireAlive(node) && cluster.node(node).appliedPosition().index() >= index, LONG_WAIT,
        "node " + node + " to apply index " + index);
  }

  private boolean requireAlive(int node) {
    if (!cluster.isAlive(node)) {
      throw new IllegalStateException("node " + node + " stopped itself; its log says why");
    }
    return true;
  }

  private void checkIdenticalState() {
    long target = cluster.node(cluster.awaitLeader()).appliedPosition().index();
    IntStream.range(0, cluster.size()).forEach(i -> awaitCaughtUp(i, target));
    List<String> digests = IntStream.range(0, cluster.size()).mapToObj(i -> cluster.node(i).digest()).distinct().toList();
    if (digests.size() != 1) {
      throw new IllegalStateException("the nodes hold different states at index " + target + ": " + digests);
    }
    say("  checked: the 3 nodes hold identical state at index %d", target);
  }

  private long storeBytes(int node) throws IOException {
    return Files.size(cluster.config(node).dataDir().resolve("store").resolve("store.mapdb"));
  }

  /** The window counts on one line, those overlapping a snapshot in brackets. */
  static String windowLine(long[] counts, List<Span> spans) {
    StringBuilder line = new StringBuilder();
    for (int w = 0; w < counts.length; w++) {
      int window = w;
      boolean during = spans.stream().anyMatch(s -> s.overlapsWindow(window, SECOND));
      line.append(w == 0 ? "" : " ").append(during ? "[" + counts[w] + "]" : String.valueOf(counts[w]));
    }
    return line.toString();
  }

  static Map<String, Object> machine(Path dir) throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    int cores = Runtime.getRuntime().availableProcessors();
    String jvm = System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version");
    long heap = Runtime.getRuntime().maxMemory();
    String os = System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch");
    long memory = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean bean
        ? bean.getTotalMemorySize() : 0;
    FileStore store = Files.getFileStore(dir);
    m.put("cores", cores);
    m.put("jvm", jvm);
    m.put("heap_max_bytes", heap);
    m.put("os", os);
    m.put("memory_bytes", memory);
    m.put("disk", store.name() + " (" + store.type() + ")");
    m.put("disk_free_bytes", store.getUsableSpace());
    m.put("summary", String.format("%d cores, %.1f GiB RAM, %s, heap max %,d MiB, %s; disk %s with %,d GiB free", cores,
        memory / 1073741824.0, jvm, heap >> 20, os, m.get("disk"), store.getUsableSpace() >> 30));
    return m;
  }

  /** Deletes everything under {@code root} but the nodes' logs ({@code *.log}). */
  static void deleteData(Path root) throws IOException {
    try (var children = Files.list(root)) {
      for (Path child : children.filter(p -> !p.getFileName().toString().endsWith(".log")).toList()) {
        BenchCluster.deleteRecursively(child);
      }
    }
  }

  private static void sleepSeconds(int seconds) throws InterruptedException {
    Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
  }

  private void say(String format, Object... args) {
    out.printf(format + "%n", args);
    out.flush();
  }
}
