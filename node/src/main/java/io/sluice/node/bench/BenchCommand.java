package io.sluice.node.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sluice.client.SluiceClient;
import io.sluice.node.Durability;
import java.io.File;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.Callable;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sluice bench SCENARIO}: figures from a running cluster, one node's store, or nodes started in this JVM. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = {
    "Measure Sluice. Scenarios:",
    "  write         closed-loop writes (half inserts, half $set of an existing document) at each --inflight,",
    "                on --nodes started in this JVM (or --connect); --compare baseline alternates with the baseline (A B, B A ...)",
    "                and gives the ratio of each pair; --compare etcd (or baseline,etcd) with etcd at --etcd",
    "                (deploy/etcd/etcd-cluster.sh up starts 3 members on loopback)",
    "  read          closed-loop reads by _id, linearizable and from a follower, at each --inflight",
    "  baseline      the write load on Ratis alone (same settings, a state machine that only counts entries)",
    "  failover      3 node processes, --writers inserting and a stream on a follower; the leader is killed (SIGKILL)",
    "                after --warmup s and measured --seconds more: write unavailability, stream pause, and every",
    "                acknowledged write in the stream once",
    "  stream        on a running cluster (--connect): write acknowledged -> event on a follower's stream and on the",
    "                leader's, at --rate writes/s and at saturation (--writers closed-loop writers); time to open a stream;",
    "                --compare etcd then the same at --rate on etcd's watches, on a follower and on the leader",
    "  resume        on a running cluster: time to resume from tokens 1, 1,000 and --resume-back entries back",
    "  fanout        on a running cluster: event delivery with each --fanout count of streams open on one follower",
    "  streams       stream, resume and fanout one after another",
    "  resume-depth  resume cost against how far back the token is, on a local store without Raft (--entries)",
    "  pins          streams that each watch their own documents, pinned against the same filters unpinned, on a local",
    "                store without Raft: writes/s while each write's event reaches its stream (--pin-streams, --pin-writes, --runs)",
    "  maintenance   two local stores without Raft fed the same --entries in turns, one maintained (trees renewed, file",
    "                compacted) and one not: file and record sizes and apply time every 100,000 entries",
    "  durability    snapshot time and the write dip during it, restart and snapshot install times, on 3 nodes",
    "                started in this JVM with --data-mb of documents (give the JVM a few GiB of heap)",
    "  engine        the document engine with JMH: a filter and an update on one document, a find by _id, and applying a retryable update and insert",
    "                among a million documents in a store on disk (--runs forks; JMH's own table)"})
public final class BenchCommand implements Callable<Integer> {
  /** etcd refuses a request over 1.5 MiB by default: a value and its key must fit. */
  private static final int ETCD_MAX_VALUE_BYTES = 1024 * 1024;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SCENARIO", description = "write, read, baseline, failover, stream, resume, fanout, streams, resume-depth, pins, maintenance, durability or engine")
  String scenario;

  @Option(names = "--connect", description = "connection string of the cluster to measure (stream, resume, fanout, streams; write and read)")
  String connect;

  @Option(names = "--entries", defaultValue = "1000000", description = "entries applied before resuming (resume-depth), or in all (maintenance; default ${DEFAULT-VALUE})")
  int entries;

  @Option(names = "--rate", defaultValue = "1000", description = "writes per second of stream's fixed-rate ack-to-event (default ${DEFAULT-VALUE})")
  int rate;

  @Option(names = "--seconds", defaultValue = "30", description = "seconds measured: each write, read or baseline measurement, each ack-to-event load of stream,"
      + " failover's time after the kill (default ${DEFAULT-VALUE})")
  int seconds;

  @Option(names = "--warmup", defaultValue = "10", description = "warm-up seconds before measuring (default ${DEFAULT-VALUE})")
  int warmup;

  @Option(names = "--opens", defaultValue = "1000", description = "streams opened one after another, after --warmup s of unmeasured opens (stream; default ${DEFAULT-VALUE})")
  int opens;

  @Option(names = "--resume-back", defaultValue = "20000", description = "entries written to resume across (resume; default ${DEFAULT-VALUE})")
  int resumeBack;

  @Option(names = "--fanout", split = ",", defaultValue = "1,100,1000,10000", description = "open stream counts (fanout; default ${DEFAULT-VALUE})")
  List<Integer> fanout;

  @Option(names = "--fanout-rate", defaultValue = "20", description = "writes per second during fan-out (fanout; default ${DEFAULT-VALUE})")
  int fanoutRate;

  @Option(names = "--fanout-seconds", defaultValue = "10", description = "seconds of writes per fan-out step (fanout; default ${DEFAULT-VALUE})")
  int fanoutSeconds;

  @Option(names = "--fanout-filter", defaultValue = "all", description = "all: every stream sees every write; owner: stream k matches"
      + " {'fullDocument.owner': k} and write i has owner i mod the stream count, so each write reaches one stream (fanout; default ${DEFAULT-VALUE})")
  StreamBench.FanoutFilter fanoutFilter;

  @Option(names = "--pin-streams", defaultValue = "10000", description = "streams on the store (pins; default ${DEFAULT-VALUE})")
  int pinStreams;

  @Option(names = "--pin-writes", defaultValue = "300", description = "inserts applied in each unpinned measurement, ten times as many in each pinned one (pins; default ${DEFAULT-VALUE})")
  int pinWrites;

  @Option(names = "--fanout-await", defaultValue = "1000", description = "ms each fan-out stream's getMore waits for an event (fanout; default ${DEFAULT-VALUE},"
      + " 2 to 10000)")
  int fanoutAwaitMs;

  @Option(names = "--fanout-via", defaultValue = "node", description = "node: the bench's own getMore loops over 4 connections, measuring the node alone;"
      + " client: one Java client's publishers, which resume elsewhere when a getMore fails (fanout; default ${DEFAULT-VALUE})")
  StreamBench.FanoutVia fanoutVia;

  @Option(names = "--data-mb", defaultValue = "1024", description = "MiB of documents loaded before measuring (durability; default ${DEFAULT-VALUE})")
  int dataMb;

  @Option(names = "--runs", defaultValue = "3", description = "measured runs; the table gives medians (durability, pins; default ${DEFAULT-VALUE})")
  int runs;

  @Option(names = "--writers", defaultValue = "8", description = "closed-loop writer threads (stream's saturation, failover, durability; default ${DEFAULT-VALUE})")
  int writers;

  @Option(names = "--gap-seconds", defaultValue = "10", description = "seconds of steady writes before and after each snapshot (durability; default ${DEFAULT-VALUE})")
  int gapSeconds;

  @Option(names = "--behind", defaultValue = "2000", description = "writes made while a follower is down (durability; default ${DEFAULT-VALUE})")
  int behind;

  @Option(names = "--replay", defaultValue = "20000", description = "writes in the log after the snapshot of a crashing follower (durability; default ${DEFAULT-VALUE})")
  int replay;

  @Option(names = "--snapshot-pace", description = "MiB/s at which the nodes write a snapshot while they apply, 0 as fast as they can"
      + " (durability; default: the nodes' default)")
  Integer snapshotPace;

  @Option(names = "--dir", description = "where the nodes' data goes (durability; default: the temporary directory)")
  File dir;

  @Option(names = "--nodes", defaultValue = "3", description = "nodes started in this JVM (write, read, baseline; default ${DEFAULT-VALUE})")
  int nodes;

  @Option(names = "--clients", defaultValue = "1", description = "client instances the load threads share (write, read, baseline; default ${DEFAULT-VALUE})")
  int clients;

  @Option(names = "--inflight", split = ",", defaultValue = "1,64", description = "operations in flight, one measurement each (write, read, baseline; default ${DEFAULT-VALUE})")
  List<Integer> inflight;

  @Option(names = "--value-bytes", defaultValue = "200", description = "bytes of each document's value (write, read, baseline; default ${DEFAULT-VALUE})")
  int valueBytes;

  @Option(names = "--keys", defaultValue = "10000", description = "documents loaded first, which updates and reads pick from (default ${DEFAULT-VALUE})")
  int keys;

  @Option(names = "--jit-warmup", defaultValue = "60", description = "seconds of load on each cluster before any measurement, for the JIT (write, read, baseline;"
      + " durability: added to --warmup, after the load; stream: closed-loop writes with both streams reading; default ${DEFAULT-VALUE})")
  int jitWarmup;

  @Option(names = "--compare", split = ",", description = "baseline, etcd or both: alternate each write measurement with the same on"
      + " these, and give the ratio per pair (write); etcd: the fixed-rate ack-to-event on etcd's watches too (stream)")
  List<String> compare = List.of();

  @Option(names = "--etcd", defaultValue = "http://127.0.0.1:23791,http://127.0.0.1:23792,http://127.0.0.1:23793",
      description = "client URLs of the etcd cluster for --compare etcd (default: deploy/etcd/etcd-cluster.sh's, ${DEFAULT-VALUE})")
  String etcd;

  @Option(names = "--json", description = "also write the results to this file as JSON")
  File json;

  @Option(names = "--chart", description = "also draw the figures as bars in this HTML file (write, read, baseline, failover, durability)")
  File chart;

  @Override
  public Integer call() throws Exception {
    if (chart != null && !List.of("write", "read", "baseline", "failover", "durability").contains(scenario)) {
      throw new IllegalArgumentException("--chart goes with write, read, baseline, failover and durability, not " + scenario);
    }
    if (scenario.equals("pins")) {
      if (pinStreams < 1 || pinWrites < 1 || runs < 1) {
        throw new IllegalArgumentException("--pin-streams, --pin-writes and --runs must be positive");
      }
      write(new PinnedFanoutBench(pinStreams, pinWrites, runs, spec.commandLine().getOut()).run());
      return 0;
    }
    if (scenario.equals("resume-depth") || scenario.equals("maintenance")) {
      if (entries < 2) {
        throw new IllegalArgumentException("--entries must be at least 2, got " + entries);
      }
      java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("sluice-" + scenario);
      try {
        write(scenario.equals("maintenance") ? new MaintenanceBench(entries, dir, spec.commandLine().getOut()).run()
            : new ResumeDepthBench(entries, dir, spec.commandLine().getOut()).run());
      } finally {
        try (var files = java.nio.file.Files.walk(dir)) {
          files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
      }
      return 0;
    }
    if (scenario.equals("durability")) {
      return durability();
    }
    if (scenario.equals("engine")) {
      return engine();
    }
    if (List.of("write", "read", "baseline").contains(scenario)) {
      return throughput();
    }
    if (scenario.equals("failover")) {
      if (writers < 1 || warmup < 1 || seconds < 1 || runs < 1) {
        throw new IllegalArgumentException("--writers, --warmup, --seconds and --runs must be positive");
      }
      write(new FailoverBench(new FailoverBench.Options(writers, warmup, seconds, runs), spec.commandLine().getOut()).run());
      return 0;
    }
    Set<StreamBench.Part> parts = switch (scenario) {
      case "stream" -> EnumSet.of(StreamBench.Part.ACK_TO_EVENT, StreamBench.Part.OPEN);
      case "resume" -> EnumSet.of(StreamBench.Part.RESUME);
      case "fanout" -> EnumSet.of(StreamBench.Part.FANOUT);
      case "streams" -> EnumSet.allOf(StreamBench.Part.class);
      default -> throw new IllegalArgumentException("unknown scenario '" + scenario
          + "'; known: write, read, baseline, failover, stream, resume, fanout, streams, resume-depth, pins, maintenance, durability, engine");
    };
    if (connect == null) {
      throw new IllegalArgumentException("bench " + scenario + " needs --connect (./sluice adds the local cluster's)");
    }
    if (rate < 1 || writers < 1 || seconds < 1 || warmup < 0 || jitWarmup < 0 || opens < 1 || resumeBack < 2 || fanoutRate < 1 || fanoutSeconds < 1
        || fanout.stream().anyMatch(n -> n < 1) || fanoutAwaitMs < 2 || fanoutAwaitMs > 10_000) {
      throw new IllegalArgumentException("rates, counts and durations must be positive (--warmup and --jit-warmup 0 or more, --resume-back at least 2,"
          + " --fanout-await 2 to 10000)");
    }
    if (!compare.isEmpty() && !(scenario.equals("stream") && compare.equals(List.of("etcd")))) {
      throw compareMisplaced();
    }
    EtcdWatchBench etcdWatches = compare.isEmpty() ? null : new EtcdWatchBench(etcd, rate, warmup, seconds, spec.commandLine().getOut());
    if (etcdWatches != null) {
      etcdWatches.checkReachable();
    }
    Map<String, Object> results;
    try (SluiceClient client = SluiceClient.connect(connect + (connect.contains("?") ? "&" : "/?") + "timeoutMS=30000")) {
      StreamBench.Options options = new StreamBench.Options(parts, rate, writers, seconds, warmup, jitWarmup, opens, resumeBack, fanout, fanoutRate,
          fanoutSeconds, fanoutFilter, fanoutAwaitMs, fanoutVia);
      results = new LinkedHashMap<>(new StreamBench(client, options, spec.commandLine().getOut()).run());
    }
    write(results);
    if (etcdWatches != null) {
      // Sluice's figures are already written: an etcd failure from here on loses only etcd's.
      results.putAll(etcdWatches.run());
      write(results);
    }
    return 0;
  }

  private IllegalArgumentException compareMisplaced() {
    return new IllegalArgumentException("--compare goes with write, or with stream as 'etcd' (etcd's watches beside Sluice's streams);"
        + " got --compare " + String.join(",", compare) + " with " + scenario);
  }

  private int throughput() throws Exception {
    if (nodes < 1 || clients < 1 || valueBytes < 0 || keys < 1 || jitWarmup < 0 || warmup < 0 || seconds < 1 || runs < 1
        || inflight.isEmpty() || inflight.stream().anyMatch(n -> n < 1)) {
      throw new IllegalArgumentException("--nodes, --clients, --keys, --seconds, --runs and each --inflight must be positive;"
          + " --value-bytes, --warmup and --jit-warmup 0 or more");
    }
    if (valueBytes > io.sluice.protocol.Limits.MAX_DOCUMENT_BYTES - 1024) {
      throw new IllegalArgumentException("--value-bytes must leave room in a 16 MiB document, got " + valueBytes);
    }
    for (String other : compare) {
      if (!List.of("baseline", "etcd").contains(other)) {
        throw new IllegalArgumentException("--compare takes 'baseline', 'etcd' or both, got '" + other + "'");
      }
    }
    if (compare.contains("etcd") && valueBytes > ETCD_MAX_VALUE_BYTES) {
      throw new IllegalArgumentException("--compare etcd takes values up to " + ETCD_MAX_VALUE_BYTES + " bytes (etcd refuses requests over"
          + " 1.5 MiB), got --value-bytes " + valueBytes);
    }
    if (!compare.isEmpty() && !scenario.equals("write")) {
      throw compareMisplaced();
    }
    if (compare.contains("baseline") && connect != null) {
      throw new IllegalArgumentException("--compare baseline runs both clusters in this JVM, side by side; leave out --connect");
    }
    if (scenario.equals("baseline") && connect != null) {
      throw new IllegalArgumentException("the baseline runs in this JVM; leave out --connect");
    }
    ThroughputBench.Scenario which = ThroughputBench.Scenario.valueOf(scenario.toUpperCase(Locale.ROOT));
    write(new ThroughputBench(new ThroughputBench.Options(which, List.copyOf(new LinkedHashSet<>(compare)), etcd, connect, nodes, clients, List.copyOf(inflight), valueBytes,
        keys, jitWarmup, warmup, seconds, runs), spec.commandLine().getOut()).run());
    return 0;
  }

  /**
   * JMH over {@link EngineBenchmark}: {@code --runs} forks, each warmed up, then measured; JMH prints
   * percentiles, and its GC profiler the bytes each operation allocates ({@code gc.alloc.rate.norm}).
   */
  private int engine() throws Exception {
    if (runs < 1) {
      throw new IllegalArgumentException("--runs must be at least 1, got " + runs);
    }
    ChainedOptionsBuilder options = new OptionsBuilder()
        .include(EngineBenchmark.class.getName()).forks(runs).jvmArgsAppend("-Xmx3g")
        .addProfiler(GCProfiler.class)
        .warmupIterations(3).warmupTime(TimeValue.seconds(2))
        .measurementIterations(5).measurementTime(TimeValue.seconds(2));
    if (json != null) {
      options.resultFormat(ResultFormatType.JSON).result(json.getPath());
    }
    new Runner(options.build()).run();
    return 0;
  }

  private int durability() throws Exception {
    int pace = snapshotPace != null ? snapshotPace : Durability.DEFAULT.snapshotWriteMibPerSecond();
    if (dataMb < 1 || runs < 1 || writers < 1 || gapSeconds < 1 || warmup < 0 || jitWarmup < 0 || behind < 0 || replay < 0 || pace < 0) {
      throw new IllegalArgumentException("--data-mb, --runs, --writers and --gap-seconds must be positive; --warmup, --jit-warmup, --behind,"
          + " --replay and --snapshot-pace 0 or more");
    }
    java.nio.file.Path base = (dir != null ? dir.toPath() : java.nio.file.Path.of(System.getProperty("java.io.tmpdir"))).toAbsolutePath();
    java.nio.file.Files.createDirectories(base);
    long free = java.nio.file.Files.getFileStore(base).getUsableSpace();
    long needed = DurabilityBench.diskNeeded(dataMb);
    if (free < needed) {
      throw new IllegalArgumentException(String.format("bench durability with --data-mb %d needs about %,d MiB free in %s, which has %,d MiB;"
          + " pass --dir on a disk with room, or a smaller --data-mb", dataMb, needed >> 20, base, free >> 20));
    }
    write(new DurabilityBench(new DurabilityBench.Options(dataMb, runs, writers, gapSeconds, jitWarmup + warmup, behind, replay, pace, base),
        spec.commandLine().getOut()).run());
    return 0;
  }

  @SuppressWarnings("unchecked")
  private void write(Map<String, Object> results) throws java.io.IOException {
    if (json != null) {
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json, results);
    }
    if (chart != null) {
      java.nio.file.Files.writeString(chart.toPath(), FigureChart.html("sluice bench " + scenario, (Map<String, Object>) results.get("figures")));
    }
  }
}
