package io.sluice.node.bench;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import io.sluice.client.ChangeStreamCursor;
import io.sluice.client.ChangeStreamDocument;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceCollection;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.bson.BsonValue;
import org.bson.Document;

/**
 * {@code bench failover}: 3 node processes, a steady load of inserts with unique ids and a change
 * stream on a follower; then the leader's process is killed with SIGKILL. Measured per run: the
 * longest time without an acknowledged write around the kill (the write unavailability window), the
 * longest pause of the stream, and a check of the stream against the writes: every acknowledged
 * insert arrives exactly once, and nothing arrives that was never sent. The killed node is started
 * again between runs, and recovers as after a crash.
 */
final class FailoverBench {
  record Options(int writers, int beforeSeconds, int afterSeconds, int runs) {}

  private final Options options;
  private final PrintWriter out;
  private final FigureTable table = new FigureTable();

  FailoverBench(Options options, PrintWriter out) {
    this.options = options;
    this.out = out;
  }

  Map<String, Object> run() throws Exception {
    Map<String, Object> results = new LinkedHashMap<>();
    Path root = Files.createTempDirectory("sluice-failover-");
    results.put("machine", DurabilityBench.machine(root));
    results.put("options", options);
    say("failover: 3 node processes, %d writers, the leader killed (SIGKILL) after %d s of load, %d s more measured, %d run(s)",
        options.writers(), options.beforeSeconds(), options.afterSeconds(), options.runs());
    say("node logs in %s", root);
    try (NodeProcesses cluster = NodeProcesses.start(root, 3);
         SluiceClient client = SluiceClient.connect(cluster.connectionString() + "/?timeoutMS=30000")) {
      for (int run = 1; run <= options.runs(); run++) {
        say("run %d of %d", run, options.runs());
        measure(run, cluster, client.getDatabase("bench").getCollection("failover" + run));
      }
    } finally {
      DurabilityBench.deleteData(root);
    }
    out.print(table.render(options.runs()));
    out.flush();
    results.put("figures", table.toMap());
    return results;
  }

  private void measure(int run, NodeProcesses cluster, SluiceCollection collection) throws Exception {
    int follower = cluster.aFollower();
    collection.insertOne(new Document("_id", "first"));
    Map<String, Integer> seen = new ConcurrentHashMap<>();
    ConcurrentLinkedQueue<Long> arrivals = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Long> acks = new ConcurrentLinkedQueue<>();
    /** When each acknowledged write was sent: one sent after the kill was answered by the new leader. */
    ConcurrentLinkedQueue<Long> ackedSends = new ConcurrentLinkedQueue<>();
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    Set<String> unknown = ConcurrentHashMap.newKeySet();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger duplicateKeys = new AtomicInteger();
    int killed;
    boolean streamNodeStopped;
    java.util.concurrent.atomic.AtomicReference<String> firstFailure = new java.util.concurrent.atomic.AtomicReference<>();
    AtomicBoolean reading = new AtomicBoolean(true);
    ExecutorService threads = Executors.newFixedThreadPool(options.writers() + 1,
        new ThreadFactoryBuilder().setNameFormat("bench-failover-%d").setDaemon(true).build());
    try (ChangeStreamCursor<ChangeStreamDocument> stream = collection.watch().onNode(cluster.address(follower))
        .maxAwaitTime(200, TimeUnit.MILLISECONDS).cursor()) {
      Future<?> reader = threads.submit(() -> {
        while (reading.get()) {
          ChangeStreamDocument event = stream.tryNext();
          if (event != null) {
            arrivals.add(System.nanoTime());
            BsonValue id = event.getDocumentKey().get("_id");
            seen.merge(id.asString().getValue(), 1, Integer::sum);
          }
        }
        return null;
      });
      AtomicInteger sequence = new AtomicInteger();
      List<Future<?>> writers = new ArrayList<>();
      for (int w = 0; w < options.writers(); w++) {
        writers.add(threads.submit(() -> {
          while (!stop.get()) {
            String id = "w" + sequence.incrementAndGet();
            long sent = System.nanoTime();
            try {
              collection.insertOne(new Document("_id", id));
              acks.add(System.nanoTime());
              ackedSends.add(sent);
              acknowledged.add(id);
            } catch (io.sluice.protocol.SluiceException e) {
              if (e.errorCode() == io.sluice.protocol.ErrorCode.DUPLICATE_KEY) {
                // Only a retry executed again can meet its own id: the session table should have answered it.
                duplicateKeys.incrementAndGet();
              }
              unknown.add(id);
              firstFailure.compareAndSet(null, e.toString());
            } catch (RuntimeException e) {
              unknown.add(id);
              firstFailure.compareAndSet(null, e.toString());
            }
          }
          return null;
        }));
      }
      Thread.sleep(TimeUnit.SECONDS.toMillis(options.beforeSeconds()));
      // Leadership may have moved during the load: kill whoever leads now. If that is the stream's own
      // node, the stream resumes on another node and the run says so (its pause then includes that).
      int leader = cluster.awaitLeader();
      streamNodeStopped = leader == follower;
      if (streamNodeStopped) {
        say("  the stream's node %d became the leader during the load; this run kills it (the stream resumes elsewhere)", follower);
      }
      cluster.kill(leader);
      // After the process is gone: a write sent after this instant can only be answered by a new leader.
      long killedAt = System.nanoTime();
      say("  killed node %d (the leader); the stream is on node %d", leader, follower);
      Thread.sleep(TimeUnit.SECONDS.toMillis(options.afterSeconds()));
      // A slow election must not end the run before writes are back, or the unavailability is unknown.
      long writesBackDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (ackedSends.stream().noneMatch(at -> at > killedAt) && System.nanoTime() < writesBackDeadline) {
        Thread.sleep(50);
      }
      if (ackedSends.stream().noneMatch(at -> at > killedAt)) {
        say("  no write was acknowledged in the %d s after the kill", TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - killedAt));
      }
      stop.set(true);
      for (Future<?> w : writers) {
        w.get(2, TimeUnit.MINUTES);
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!seen.keySet().containsAll(acknowledged) && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      reading.set(false);
      reader.get(1, TimeUnit.MINUTES);
      if (firstFailure.get() != null) {
        say("  first failed write: %s", firstFailure.get());
      }
      record(run, killedAt, acks, arrivals, acknowledged, unknown, seen, duplicateKeys.get(), streamNodeStopped);
      killed = leader;
    } finally {
      threads.shutdownNow();
    }
    cluster.start(killed);
    cluster.awaitCaughtUp(killed);
  }

  private void record(int run, long killedAt, ConcurrentLinkedQueue<Long> acks, ConcurrentLinkedQueue<Long> arrivals,
      Set<String> acknowledged, Set<String> unknown, Map<String, Integer> seen, int duplicateKeys, boolean streamNodeStopped) {
    double unavailable = longestGapAfter(acks, killedAt) / 1e6;
    double paused = longestGapAfter(arrivals, killedAt) / 1e6;
    Set<String> lost = new HashSet<>(acknowledged);
    lost.removeAll(seen.keySet());
    long duplicated = seen.values().stream().filter(n -> n > 1).count();
    long phantom = seen.keySet().stream().filter(id -> !id.equals("first") && !acknowledged.contains(id) && !unknown.contains(id)).count();
    long unknownSeen = unknown.stream().filter(seen::containsKey).count();
    say("  writes unavailable %.0f ms, stream paused %.0f ms; %,d acknowledged, %d lost, %d duplicated, %d never sent; %d failed"
        + " (outcome unknown), %d of them applied", unavailable, paused, acknowledged.size(), lost.size(), duplicated, phantom, unknown.size(),
        unknownSeen);
    table.add(run, "unavailable_ms", "write unavailability, ms", "%,.0f", unavailable);
    table.add(run, "stream_pause_ms", "follower stream pause, ms", "%,.0f", paused);
    table.add(run, "acknowledged", "writes acknowledged", "%,.0f", acknowledged.size());
    table.add(run, "lost", "acknowledged, not in the stream", "%,.0f", lost.size());
    table.add(run, "duplicated", "in the stream more than once", "%,.0f", duplicated);
    table.add(run, "phantom", "in the stream, never sent", "%,.0f", phantom);
    table.add(run, "failed", "writes failed (outcome unknown)", "%,.0f", unknown.size());
    table.add(run, "failed_applied", "  of them applied", "%,.0f", unknownSeen);
    table.add(run, "reexecuted", "retries executed again (DuplicateKey)", "%,.0f", duplicateKeys);
    table.add(run, "stream_node_stopped", "the stream's node was the one killed", "%,.0f", streamNodeStopped ? 1 : 0);
  }

  /**
   * The longest time between consecutive instants among those that end after {@code at} (the first
   * one after it counted from the last one before it): how long nothing happened because of the kill.
   * NaN if nothing happened after it.
   */
  static double longestGapAfter(java.util.Collection<Long> instants, long at) {
    long[] sorted = instants.stream().mapToLong(Long::longValue).sorted().toArray();
    double longest = Double.NaN;
    for (int i = 1; i < sorted.length; i++) {
      if (sorted[i] > at) {
        long gap = sorted[i] - sorted[i - 1];
        longest = Double.isNaN(longest) ? gap : Math.max(longest, gap);
      }
    }
    return longest;
  }

  private void say(String format, Object... args) {
    out.printf(format + "%n", args);
    out.flush();
  }
}
