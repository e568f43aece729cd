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
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.bson.Document;

/**
 * {@code bench streams}: on a running cluster, the time from a write's acknowledgement to its event on
 * a follower's stream and on the leader's (side by side, one writer), the time to open a stream, the
 * time to resume from tokens near and far back, and event delivery with many open streams.
 */
final class StreamBench {
  record Options(int rate, int seconds, int warmupSeconds, int opens, int resumeBack, List<Integer> fanout, int fanoutRate,
                 int fanoutSeconds) {}

  private final SluiceClient client;
  private final Options options;
  private final PrintWriter out;
  private final String database = "bench";
  private final String prefix = "streams_" + Long.toString(System.currentTimeMillis(), 36);
  private final Map<String, Object> results = new LinkedHashMap<>();
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
    ackToEvent();
    openTime();
    resumeTime();
    for (int streams : options.fanout()) {
      fanout(streams);
    }
    return results;
  }

  /** One writer at a fixed rate; one stream on the leader and one on a follower record when each event arrives. */
  private void ackToEvent() throws Exception {
    SluiceCollection c = client.getDatabase(database).getCollection(prefix + "_latency");
    Map<Integer, Long> acks = new ConcurrentHashMap<>();
    Map<Integer, Long> onLeader = new ConcurrentHashMap<>();
    Map<Integer, Long> onFollower = new ConcurrentHashMap<>();
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService readers = Executors.newFixedThreadPool(2);
    try (ChangeStreamCursor<ChangeStreamDocument> leaderStream = c.watch().onNode(leader).cursor();
         ChangeStreamCursor<ChangeStreamDocument> followerStream = c.watch().onNode(follower).cursor()) {
      readers.submit(() -> read(leaderStream, onLeader, stop));
      readers.submit(() -> read(followerStream, onFollower, stop));
      int total = options.rate() * (options.seconds() + options.warmupSeconds());
      say("ack-to-event: %d writes at %d/s (first %d s are warm-up)...", total, options.rate(), options.warmupSeconds());
      paced(options.rate(), total, i -> {
        c.insertOne(new Document("_id", i).append("pad", "x".repeat(100)));
        acks.put(i, System.nanoTime());
      });
      waitFor(() -> onLeader.size() >= acks.size() && onFollower.size() >= acks.size(), 10);
      stop.set(true);
    }
    readers.shutdown();
    readers.awaitTermination(10, TimeUnit.SECONDS);
    int skip = options.rate() * options.warmupSeconds();
    Latency leaderLatency = latencies(acks, onLeader, skip);
    Latency followerLatency = latencies(acks, onFollower, skip);
    say("  leader stream   %s", leaderLatency.summary());
    say("  follower stream %s", followerLatency.summary());
    say("  follower p99 - leader p99 = %.2f ms", followerLatency.percentileMillis(99) - leaderLatency.percentileMillis(99));
    results.put("ack_to_event_leader", leaderLatency.toMap());
    results.put("ack_to_event_follower", followerLatency.toMap());
  }

  private static void read(ChangeStreamCursor<ChangeStreamDocument> stream, Map<Integer, Long> arrivals, AtomicBoolean stop) {
    while (!stop.get()) {
      ChangeStreamDocument event = stream.tryNext();
      if (event != null) {
        arrivals.put(event.getDocumentKey().getInt32("_id").getValue(), System.nanoTime());
      }
    }
  }

  private static Latency latencies(Map<Integer, Long> acks, Map<Integer, Long> arrivals, int skip) {
    Latency latency = new Latency();
    acks.forEach((id, ack) -> {
      Long arrival = arrivals.get(id);
      if (id >= skip && arrival != null) {
        latency.recordNanos(arrival - ack);
      }
    });
    return latency;
  }

  private void openTime() {
    SluiceCollection c = client.getDatabase(database).getCollection(prefix + "_open");
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
    List<WriteResult> writes = java.util.Collections.synchronizedList(new ArrayList<>());
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
    waitFor(() -> client.describeNodes().stream().filter(n -> n.address().equals(follower)).allMatch(n -> n.appliedIndex() >= last), 60);
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

  /** {@code streams} open streams on the follower, all on one collection; a writer at a fixed rate. */
  private void fanout(int streams) throws Exception {
    String collection = prefix + "_fanout" + streams;
    SluiceCollection c = client.getDatabase(database).getCollection(collection);
    Map<Integer, Long> acks = new ConcurrentHashMap<>();
    Latency delivery = new Latency();
    try (AsyncStreams open = new AsyncStreams(client.connectionString(), follower, database, collection)) {
      long start = System.nanoTime();
      open.open(streams);
      say("fan-out: %d streams open on the follower in %.1f s; %d writes at %d/s...", streams, (System.nanoTime() - start) / 1e9,
          options.fanoutRate() * options.fanoutSeconds(), options.fanoutRate());
      paced(options.fanoutRate(), options.fanoutRate() * options.fanoutSeconds(), i -> {
        c.insertOne(new Document("_id", i));
        acks.put(i, System.nanoTime());
      });
      long expected = (long) streams * acks.size();
      waitFor(() -> open.arrivals().size() >= expected, 30);
      for (long[] arrival : open.arrivals()) {
        Long ack = acks.get((int) arrival[0]);
        if (ack != null) {
          delivery.recordNanos(arrival[1] - ack);
        }
      }
      say("  %d streams: delivery %s; %d of %d deliveries seen, %d failed getMores", streams, delivery.summary(),
          open.arrivals().size(), expected, open.failures());
    }
    results.put("fanout_" + streams, delivery.toMap());
  }

  private interface Write {
    void write(int i);
  }

  private static void paced(int perSecond, int count, Write write) {
    long period = TimeUnit.SECONDS.toNanos(1) / perSecond;
    long next = System.nanoTime();
    for (int i = 0; i < count; i++) {
      long wait = next - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      write.write(i);
      next += period;
    }
  }

  private static void waitFor(java.util.function.BooleanSupplier done, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!done.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
  }

  private void say(String format, Object... args) {
    out.printf(format + "%n", args);
    out.flush();
  }
}
