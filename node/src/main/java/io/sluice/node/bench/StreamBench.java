package io.sluice.node.bench;

import io.sluice.client.ChangeStreamCursor;
import io.sluice.client.ChangeStreamDocument;
import io.sluice.client.NodeDescription;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceCollection;
import io.sluice.client.WriteResult;
import io.sluice.protocol.ResumeToken;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.Document;

/**
 * Change-stream figures from a running cluster, in parts that {@code bench stream}, {@code resume} and
 * {@code fanout} pick (and {@code streams} runs together): the time from a write's acknowledgement to
 * its event on a follower's stream and on the leader's, side by side, at a fixed rate and at
 * saturation, and the time to open a stream; the time to resume from tokens near and far back; event
 * delivery with many open streams on one follower.
 */
final class StreamBench {
  enum Part { ACK_TO_EVENT, OPEN, RESUME, FANOUT }

  /** What each fan-out stream watches: every write, or its own owner's (one stream per write). Lower case: picocli parses the names as given. */
  enum FanoutFilter { all, owner }

  /** Who runs the fan-out streams: the bench's own getMore loops (the node alone) or the Java client's publishers. */
  enum FanoutVia { node, client }

  /** @param jitWarmupSeconds closed-loop writes, both streams reading, before the first ack-to-event load: Ratis' figures settle only after a minute or more */
  record Options(Set<Part> parts, int rate, int writers, int seconds, int warmupSeconds, int jitWarmupSeconds, int opens, int resumeBack, List<Integer> fanout,
                 int fanoutRate, int fanoutSeconds, FanoutFilter fanoutFilter, int fanoutAwaitMs, FanoutVia fanoutVia) {}

  private final SluiceClient client;
  private final Options options;
  private final PrintWriter out;
  private final String database = "bench";
  private final String prefix = "streams_" + Long.toString(System.currentTimeMillis(), 36);
  private final Map<String, Object> results = new LinkedHashMap<>();
  private final AtomicInteger failedWrites = new AtomicInteger();
  private String leader;
  private String follower;

  StreamBench(SluiceClient client, Options options, PrintWriter out) {
    this.client = client;
    this.options = options;
    this.out = out;
  }

  Map<String, Object> run() throws Exception {
    List<NodeDescription> nodes = client.describeNodes();
    leader = nodes.stream().filter(NodeDescription::leader).findFirst().orElseThrow(() ->
        new IllegalStateException("no leader among " + nodes)).address();
    follower = nodes.stream().filter(n -> n.reachable() && !n.leader()).findFirst().orElseThrow(() ->
        new IllegalStateException("no follower is up among " + nodes)).address();
    say("leader %s, follower %s", leader, follower);
    if (options.parts().contains(Part.ACK_TO_EVENT)) {
      ackToEvent("fixed rate", String.format("%,d writes/s", options.rate()), this::writeAtFixedRate, options.jitWarmupSeconds());
      ackToEvent("saturation", options.writers() + " closed-loop writers", this::writeFlatOut, 0);
    }
    if (options.parts().contains(Part.OPEN)) {
      openTime();
    }
    if (options.parts().contains(Part.RESUME)) {
      resumeTime();
    }
    if (options.parts().contains(Part.FANOUT)) {
      for (int streams : options.fanout()) {
        fanout(streams);
      }
    }
    return results;
  }

  /** A write load: inserts {@code _id}s from {@code ids} for {@code seconds}, recording each acknowledgement. */
  private interface Load {
    void run(SluiceCollection c, AtomicInteger ids, Map<Integer, Long> acks, int seconds) throws Exception;
  }

  /**
   * One stream on the leader and one on a follower record when each event arrives while {@code load}
   * writes; acknowledgements of the warm-up seconds are left out. Every acknowledged write's event is
   * waited for (30 s at most); any that never came is counted as missing, not quietly left out. With
   * {@code jitWarmupSeconds}, closed-loop writes come first: they cannot fall behind a rate, which a
   * cold cluster does at 1,000 writes/s.
   */
  private void ackToEvent(String name, String description, Load load, int jitWarmupSeconds) throws Exception {
    SluiceCollection c = client.getDatabase(database).getCollection(prefix + "_latency_" + name.replace(' ', '_'));
    Map<Integer, Long> acks = new ConcurrentHashMap<>();
    Map<Integer, Long> onLeader = new ConcurrentHashMap<>();
    Map<Integer, Long> onFollower = new ConcurrentHashMap<>();
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService readers = Executors.newFixedThreadPool(2);
    long measuredFrom;
    long measuredTo;
    try (ChangeStreamCursor<ChangeStreamDocument> leaderStream = c.watch().onNode(leader).cursor();
         ChangeStreamCursor<ChangeStreamDocument> followerStream = c.watch().onNode(follower).cursor()) {
      List<Future<?>> reading = List.of(readers.submit(() -> read(leaderStream, onLeader, stop)),
          readers.submit(() -> read(followerStream, onFollower, stop)));
      try {
        say("ack-to-event at %s: %s for %d s (the first %d s are warm-up)...", name, description,
            options.seconds() + options.warmupSeconds(), options.warmupSeconds());
        AtomicInteger ids = new AtomicInteger();
        if (jitWarmupSeconds > 0) {
          say("  JIT warm-up: %d s of %d closed-loop writers, not measured...", jitWarmupSeconds, options.writers());
          writeFlatOut(c, ids, acks, jitWarmupSeconds);
        }
        load.run(c, ids, acks, options.warmupSeconds());
        measuredFrom = System.nanoTime();
        load.run(c, ids, acks, options.seconds());
        measuredTo = System.nanoTime();
        AckToEvent.waitFor(() -> onLeader.keySet().containsAll(acks.keySet()) && onFollower.keySet().containsAll(acks.keySet()), 30);
        stop.set(true);
        // A reader that failed fails the bench here.
        for (Future<?> reader : reading) {
          reader.get(30, TimeUnit.SECONDS);
        }
      } finally {
        // However this ends, the cursors close only once no reader uses them (a reader returns within one await).
        stop.set(true);
        readers.shutdown();
        readers.awaitTermination(30, TimeUnit.SECONDS);
      }
    }
    Latency leaderLatency = AckToEvent.latencies(acks, onLeader, measuredFrom);
    Latency followerLatency = AckToEvent.latencies(acks, onFollower, measuredFrom);
    long missingOnLeader = AckToEvent.missing(acks, onLeader);
    long missingOnFollower = AckToEvent.missing(acks, onFollower);
    double reached = AckToEvent.perSecond(acks, measuredFrom, measuredTo);
    say("  leader stream   %s", leaderLatency.summary());
    say("  follower stream %s", followerLatency.summary());
    say("  follower p99 - leader p99 = %.2f ms; %,.0f writes/s reached; %d writes acknowledged, %d failed; events missing: %d on the"
        + " leader, %d on the follower", followerLatency.percentileMillis(99) - leaderLatency.percentileMillis(99), reached, acks.size(),
        failedWrites.get(), missingOnLeader, missingOnFollower);
    String key = name.replace(' ', '_');
    results.put("ack_to_event_leader_" + key, leaderLatency.toMap());
    results.put("ack_to_event_follower_" + key, followerLatency.toMap());
    results.put("load_" + key, Map.of("writes_per_second", reached, "acknowledged", acks.size(), "failed", failedWrites.getAndSet(0),
        "missing_on_leader", missingOnLeader, "missing_on_follower", missingOnFollower));
  }

  /**
   * Open loop: a write is started every 1/rate s whether or not the previous ones are done, so the
   * rate holds while single writes take longer than the period (64 may be in flight). Writes still
   * queued a minute after the last was due mean the cluster cannot take the rate: the run stops.
   */
  private void writeAtFixedRate(SluiceCollection c, AtomicInteger ids, Map<Integer, Long> acks, int seconds) throws Exception {
    AckToEvent.atFixedRate(options.rate(), options.rate() * seconds, "--rate", ignored -> insert(c, ids.getAndIncrement(), new Document(), acks));
  }

  /** Closed loop: {@code writers} threads each send their next write as soon as the previous one is acknowledged. */
  private void writeFlatOut(SluiceCollection c, AtomicInteger ids, Map<Integer, Long> acks, int seconds) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    ExecutorService writers = Executors.newFixedThreadPool(options.writers());
    for (int w = 0; w < options.writers(); w++) {
      writers.execute(() -> {
        while (System.nanoTime() < end) {
          insert(c, ids.getAndIncrement(), new Document(), acks);
        }
      });
    }
    writers.shutdown();
    if (!writers.awaitTermination(seconds + 60L, TimeUnit.SECONDS)) {
      writers.shutdownNow();
      throw new IllegalStateException("writers still busy a minute after the end of the load");
    }
  }

  /** Inserts {@code _id: id} with {@code fields} and 100 bytes of padding; a failure is counted and left out of {@code acks}. */
  private void insert(SluiceCollection c, int id, Document fields, Map<Integer, Long> acks) {
    try {
      Document document = new Document("_id", id).append("pad", "x".repeat(100));
      document.putAll(fields);
      c.insertOne(document);
      acks.put(id, System.nanoTime());
    } catch (RuntimeException e) {
      if (failedWrites.getAndIncrement() == 0) {
        say("  a write failed (counted, left out): %s", e);
      }
    }
  }

  private static void read(ChangeStreamCursor<ChangeStreamDocument> stream, Map<Integer, Long> arrivals, AtomicBoolean stop) {
    while (!stop.get()) {
      ChangeStreamDocument event = stream.tryNext();
      if (event != null) {
        arrivals.put(event.getDocumentKey().getInt32("_id").getValue(), System.nanoTime());
      }
    }
  }

  private void openTime() {
    SluiceCollection c = client.getDatabase(database).getCollection(prefix + "_open");
    // Unmeasured opens for the warm-up seconds first: the JIT needs a few thousand opens of this path
    // (about 2 ms each after 200, 0.6-0.9 ms after 4,000 on this machine), which the writes did not compile.
    say("open a stream on the follower: %d s of unmeasured opens, then %d measured...", options.warmupSeconds(), options.opens());
    long warmUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.warmupSeconds());
    while (System.nanoTime() < warmUntil) {
      c.watch().onNode(follower).cursor().close();
    }
    Latency open = new Latency();
    for (int i = 0; i < options.opens(); i++) {
      long start = System.nanoTime();
      ChangeStreamCursor<ChangeStreamDocument> cursor = c.watch().onNode(follower).cursor();
      open.recordNanos(System.nanoTime() - start);
      cursor.close();
    }
    say("open a stream on the follower: %s", open.summary());
    results.put("open", open.toMap());
  }

  /** Writes {@code resumeBack} entries, then resumes from tokens 1, 1,000 and resumeBack entries back. */
  private void resumeTime() throws Exception {
    SluiceCollection c = client.getDatabase(database).getCollection(prefix + "_resume");
    say("resume: writing %d entries...", options.resumeBack());
    List<WriteResult> writes = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger next = new AtomicInteger();
    ExecutorService writers = Executors.newFixedThreadPool(16);
    for (int t = 0; t < 16; t++) {
      writers.submit(() -> {
        for (int i; (i = next.getAndIncrement()) < options.resumeBack(); ) {
          writes.add(c.insertOne(new Document("_id", i)));
        }
      });
    }
    long started = System.nanoTime();
    writers.shutdown();
    writers.awaitTermination(1, TimeUnit.HOURS);
    double seconds = (System.nanoTime() - started) / 1e9;
    say("  wrote %d entries in %.1f s: %.0f writes/s with 16 writers", options.resumeBack(), seconds, options.resumeBack() / seconds);
    results.put("write_throughput_16_writers", options.resumeBack() / seconds);
    List<WriteResult> inLogOrder = new ArrayList<>(writes);
    inLogOrder.sort(Comparator.comparing(WriteResult::position));
    // Measure the seek, not the follower catching up with the burst of writes.
    long last = inLogOrder.get(inLogOrder.size() - 1).position().index();
    AckToEvent.waitFor(() -> client.describeNodes().stream().filter(n -> n.address().equals(follower)).allMatch(n -> n.appliedIndex() >= last), 60);
    Map<String, Object> resume = new LinkedHashMap<>();
    for (int back : List.of(1, 1000, options.resumeBack() - 1)) {
      if (back >= inLogOrder.size()) {
        continue;
      }
      WriteResult from = inLogOrder.get(inLogOrder.size() - 1 - back);
      ResumeToken token = ResumeToken.event(from.position().term(), from.position().index(), 0);
      Object expected = inLogOrder.get(inLogOrder.size() - back).insertedId().orElseThrow().asInt32().getValue();
      Latency latency = new Latency();
      for (int rep = 0; rep < 20; rep++) {
        long start = System.nanoTime();
        try (ChangeStreamCursor<ChangeStreamDocument> cursor = c.watch().resumeAfter(token).batchSize(1).onNode(follower).cursor()) {
          ChangeStreamDocument first = cursor.next();
          latency.recordNanos(System.nanoTime() - start);
          if (!expected.equals(first.getDocumentKey().getInt32("_id").getValue())) {
            throw new IllegalStateException("resumed at the wrong event: " + first + ", expected _id " + expected);
          }
        }
      }
      say("resume from %d entries back (open + first event): %s", back, latency.summary());
      resume.put(String.valueOf(back), latency.toMap());
    }
    results.put("resume", resume);
  }

  /**
   * {@code streams} open streams on the follower, all on one collection; a writer at a fixed rate. With
   * {@link FanoutFilter#owner}, stream k matches the writes whose owner is k, and write i is owner
   * i mod {@code streams}'s: each write reaches one stream.
   */
  private void fanout(int streams) throws Exception {
    String collection = prefix + "_fanout" + streams;
    SluiceCollection c = client.getDatabase(database).getCollection(collection);
    Map<Integer, Long> acks = new ConcurrentHashMap<>();
    Latency delivery = new Latency();
    boolean byOwner = options.fanoutFilter() == FanoutFilter.owner;
    IntFunction<List<BsonDocument>> stages = k -> byOwner
        ? List.of(new BsonDocument("$match", new BsonDocument("fullDocument.owner", new BsonInt32(k)))) : List.of();
    try (FanoutStreams open = options.fanoutVia() == FanoutVia.client
        ? new ClientSubscribers(client.connectionString(), follower, database, collection, stages, options.fanoutAwaitMs())
        : new AsyncStreams(client.connectionString(), follower, database, collection, stages, options.fanoutAwaitMs())) {
      long start = System.nanoTime();
      open.open(streams);
      int warmups = options.fanoutRate() * options.warmupSeconds();
      say("fan-out: %d streams open on the follower in %.1f s; %d writes at %d/s, the first %d s unmeasured...", streams,
          (System.nanoTime() - start) / 1e9, warmups + options.fanoutRate() * options.fanoutSeconds(), options.fanoutRate(),
          options.warmupSeconds());
      AckToEvent.atFixedRate(options.fanoutRate(), warmups + options.fanoutRate() * options.fanoutSeconds(), "--fanout-rate",
          i -> insert(c, i, new Document("owner", i % streams), acks));
      // Only the measured writes count: a stream may open during the warm-up, and the client's do.
      long measured = acks.keySet().stream().filter(i -> i >= warmups).count();
      long expected = byOwner ? measured : streams * measured;
      AckToEvent.waitFor(() -> open.arrivals().stream().filter(arrival -> arrival[0] >= warmups).count() >= expected, 30);
      long seen = 0;
      for (long[] arrival : open.arrivals()) {
        Long ack = acks.get((int) arrival[0]);
        if (ack != null && arrival[0] >= warmups) {
          delivery.recordNanos(arrival[1] - ack);
          seen++;
        }
      }
      say("  %d streams: delivery %s; %d of %d measured deliveries seen, %d %s", streams, delivery.summary(),
          seen, expected, open.failures(), options.fanoutVia() == FanoutVia.client ? "streams failed" : "failed getMores");
      if (open.failures() > 0) {
        say("  first failure: %s", open.firstFailure());
      }
    }
    results.put("fanout_" + streams, delivery.toMap());
  }

  private void say(String format, Object... args) {
    out.printf(format + "%n", args);
    out.flush();
  }
}
