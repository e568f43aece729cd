package io.sluice.node.bench;

import io.sluice.client.ReadPreference;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code bench write}, {@code read} and {@code baseline}: closed-loop throughput and latency at each
 * number of operations in flight, repeated {@code runs} times, the table giving medians. With
 * {@code --compare baseline} (or {@code etcd}, or both), each Sluice measurement is followed by the same
 * load on the others (A B, then B A, ...), and each pair gives a ratio, so that the ratio holds when the
 * machine's speed drifts. Clusters start in this JVM (the baseline always), unless {@code connect} names
 * a running Sluice cluster; etcd runs on its own ({@code deploy/etcd/etcd-cluster.sh}) at {@code etcd}.
 */
final class ThroughputBench {
  enum Scenario { WRITE, READ, BASELINE }

  /** @param compare what each Sluice write measurement is compared with: {@code baseline}, {@code etcd}, both or none */
  record Options(Scenario scenario, List<String> compare, String etcd, String connect, int nodes, int clients, List<Integer> inflight,
      int valueBytes, int keys, int jitWarmupSeconds, int warmupSeconds, int seconds, int runs) {}

  private final Options options;
  private final PrintWriter out;
  private final FigureTable table = new FigureTable();

  ThroughputBench(Options options, PrintWriter out) {
    this.options = options;
    this.out = out;
  }

  Map<String, Object> run() throws Exception {
    Map<String, Object> results = new LinkedHashMap<>();
    Path root = Files.createTempDirectory("sluice-bench-");
    results.put("machine", DurabilityBench.machine(root));
    results.put("options", options);
    boolean sluice = options.scenario() != Scenario.BASELINE;
    boolean baseline = options.scenario() == Scenario.BASELINE || options.compare().contains("baseline");
    say("%s: %s, %d client(s), in flight %s, %d-byte values, %d keys; JIT warm-up %d s, then per measurement %d s warm-up and %d s"
            + " measured, %d run(s)", options.scenario().name().toLowerCase(java.util.Locale.ROOT),
        options.connect() != null ? "the cluster at " + options.connect() : options.nodes() + " nodes in this JVM", options.clients(),
        options.inflight(), options.valueBytes(), options.keys(), options.jitWarmupSeconds(), options.warmupSeconds(), options.seconds(),
        options.runs());
    say("machine: %s; node logs in %s", ((Map<?, ?>) results.get("machine")).get("summary"), root.resolve("nodes.log"));
    List<LoadTarget> targets = new ArrayList<>();
    try (NodeLogFile logs = NodeLogFile.redirect(root.resolve("nodes.log"));
         BenchCluster cluster = sluice && options.connect() == null ? BenchCluster.start(root, options.nodes(), b -> b) : null;
         BaselineCluster ceiling = baseline ? BaselineCluster.start(root, options.nodes()) : null) {
      try {
        measure(cluster != null ? cluster.connectionString() : options.connect(), ceiling, targets);
      } finally {
        targets.forEach(LoadTarget::close);
      }
    } finally {
      DurabilityBench.deleteData(root);
    }
    out.print(table.render(options.runs()));
    out.flush();
    results.put("figures", table.toMap());
    return results;
  }

  /** Makes the targets (each added to {@code targets} as soon as it exists, for the caller to close) and measures them. */
  private void measure(String connection, BaselineCluster ceiling, List<LoadTarget> targets) throws Exception {
    switch (options.scenario()) {
      case WRITE -> targets.add(SluiceLoad.writes(connection, options.clients(), options.keys(), options.valueBytes()));
      case READ -> {
        targets.add(SluiceLoad.reads(connection, options.clients(), options.keys(), options.valueBytes(), ReadPreference.linearizable(),
            "linearizable"));
        targets.add(SluiceLoad.reads(connection, options.clients(), options.keys(), options.valueBytes(), ReadPreference.follower(),
            "follower"));
      }
      case BASELINE -> { }
    }
    if (ceiling != null) {
      targets.add(new BaselineLoad(ceiling, options.clients(), options.valueBytes()));
    }
    if (options.compare().contains("etcd")) {
      targets.add(EtcdLoad.writes(options.etcd(), options.keys(), options.valueBytes()));
    }
    measureAll(targets);
  }

  private void measureAll(List<LoadTarget> targets) throws Exception {
    int most = options.inflight().stream().mapToInt(Integer::intValue).max().orElseThrow();
    if (options.jitWarmupSeconds() > 0) {
      for (LoadTarget target : targets) {
        say("JIT warm-up of %s: %d s at %d in flight", target.name(), options.jitWarmupSeconds(), most);
        ClosedLoop.run(target, most, options.jitWarmupSeconds(), 0, out);
      }
    }
    for (int run = 1; run <= options.runs(); run++) {
      say("run %d of %d", run, options.runs());
      for (int inflight : options.inflight()) {
        Map<String, ClosedLoop.Figures> pair = new LinkedHashMap<>();
        // A B, then B A: what one leaves behind (a follower catching up, a snapshot, garbage) falls on each in turn.
        List<LoadTarget> order = new ArrayList<>(targets);
        if (run % 2 == 0) {
          java.util.Collections.reverse(order);
        }
        for (LoadTarget target : order) {
          ClosedLoop.Figures figures = ClosedLoop.run(target, inflight, options.warmupSeconds(), options.seconds(), out);
          say("%s, %d in flight: %,.0f %s/s, %s%s", target.name(), inflight, figures.perSecond(), target.unit(),
              figures.latency().summary(), figures.failures() > 0 ? ", " + figures.failures() + " failed, the first: " + figures.firstFailure() : "");
          record(run, target, inflight, figures);
          pair.put(target.name(), figures);
        }
        for (String other : options.compare()) {
          ClosedLoop.Figures a = pair.get("sluice");
          ClosedLoop.Figures b = pair.get(other);
          String key = other.equals("baseline") ? "ratio." + inflight : "ratio." + other + "." + inflight;
          table.add(run, key + ".rate", String.format("sluice / %s writes/s, %d in flight", other, inflight), "%.2f",
              b.perSecond() > 0 ? a.perSecond() / b.perSecond() : Double.NaN);
          table.add(run, key + ".p50", String.format("sluice / %s p50 latency, %d in flight", other, inflight), "%.2f",
              a.latency().count() > 0 && b.latency().count() > 0 ? a.latency().percentileMillis(50) / b.latency().percentileMillis(50)
                  : Double.NaN);
        }
      }
    }
  }

  private void record(int run, LoadTarget target, int inflight, ClosedLoop.Figures figures) {
    String key = target.name() + "." + inflight;
    table.add(run, key + ".rate", String.format("%s, %d in flight: %s/s", target.name(), inflight, target.unit()), "%,.0f",
        figures.perSecond());
    // No acknowledged operation, no latency: NaN ("-"), not 0.
    boolean any = figures.latency().count() > 0;
    table.add(run, key + ".p50", "  p50 ms", "%.2f", any ? figures.latency().percentileMillis(50) : Double.NaN);
    table.add(run, key + ".p99", "  p99 ms", "%.2f", any ? figures.latency().percentileMillis(99) : Double.NaN);
    table.add(run, key + ".p999", "  p99.9 ms", "%.2f", any ? figures.latency().percentileMillis(99.9) : Double.NaN);
    table.add(run, key + ".max", "  max ms", "%.2f", any ? figures.latency().percentileMillis(100) : Double.NaN);
    table.add(run, key + ".failed", "  failed", "%,.0f", figures.failures());
  }

  private void say(String format, Object... args) {
    out.printf(format + "%n", args);
    out.flush();
  }
}
