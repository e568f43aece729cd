package io.sluice.node.bench;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The etcd side of {@code bench stream --compare etcd}: the time from a put's acknowledgement to its
 * event on a watch served by etcd's leader and on one served by a follower, at the same fixed rate
 * as Sluice's streams, with the same 100-byte padding. The puts go to the leader, as Sluice's
 * client sends its writes there; each watch has a client of its own, connected to its member only.
 */
final class EtcdWatchBench {
  private static final long TIMEOUT_SECONDS = 30;

  private final List<String> endpoints;
  private final int rate;
  private final int warmupSeconds;
  private final int seconds;
  private final PrintWriter out;
  private final String prefix = "bench-watch/" + Long.toString(System.currentTimeMillis(), 36) + "/";
  private final ByteSequence value = ByteSequence.from("x".repeat(100), StandardCharsets.UTF_8);
  private final AtomicInteger failedPuts = new AtomicInteger();

  EtcdWatchBench(String endpoints, int rate, int warmupSeconds, int seconds, PrintWriter out) {
    this.endpoints = List.of(endpoints.split(","));
    this.rate = rate;
    this.warmupSeconds = warmupSeconds;
    this.seconds = seconds;
    this.out = out;
  }

  Map<String, Object> run() throws Exception {
    String leader = leaderEndpoint();
    String follower = endpoints.stream().filter(e -> !e.equals(leader)).findFirst().orElseThrow(() ->
        new IllegalArgumentException("--etcd names one member; the etcd comparison needs a follower as well"));
    say("etcd: leader %s, follower %s", leader, follower);
    Map<Integer, Long> acks = new ConcurrentHashMap<>();
    Map<Integer, Long> onLeader = new ConcurrentHashMap<>();
    Map<Integer, Long> onFollower = new ConcurrentHashMap<>();
    long measuredFrom;
    try (Client writer = connect(leader); Client leaderWatches = connect(leader); Client followerWatches = connect(follower);
         Watch.Watcher leaderWatch = watch(leaderWatches, onLeader);
         Watch.Watcher followerWatch = watch(followerWatches, onFollower)) {
      KV kv = writer.getKVClient();
      say("etcd ack-to-event at fixed rate: %,d puts/s for %d s (the first %d s are warm-up)...", rate, warmupSeconds + seconds, warmupSeconds);
      AtomicInteger ids = new AtomicInteger();
      StreamBench.atFixedRate(rate, rate * warmupSeconds, "--rate", ignored -> put(kv, ids.getAndIncrement(), acks));
      measuredFrom = System.nanoTime();
      StreamBench.atFixedRate(rate, rate * seconds, "--rate", ignored -> put(kv, ids.getAndIncrement(), acks));
      StreamBench.waitFor(() -> onLeader.keySet().containsAll(acks.keySet()) && onFollower.keySet().containsAll(acks.keySet()), 30);
      kv.delete(key(""), io.etcd.jetcd.options.DeleteOption.builder().isPrefix(true).build()).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }
    Latency leaderLatency = StreamBench.latencies(acks, onLeader, measuredFrom);
    Latency followerLatency = StreamBench.latencies(acks, onFollower, measuredFrom);
    long missingOnLeader = acks.keySet().stream().filter(id -> !onLeader.containsKey(id)).count();
    long missingOnFollower = acks.keySet().stream().filter(id -> !onFollower.containsKey(id)).count();
    say("  etcd leader watch   %s", leaderLatency.summary());
    say("  etcd follower watch %s", followerLatency.summary());
    say("  %d puts acknowledged, %d failed; events missing: %d on the leader, %d on the follower", acks.size(), failedPuts.get(),
        missingOnLeader, missingOnFollower);
    Map<String, Object> results = new LinkedHashMap<>();
    results.put("etcd_ack_to_event_leader_fixed_rate", leaderLatency.toMap());
    results.put("etcd_ack_to_event_follower_fixed_rate", followerLatency.toMap());
    results.put("etcd_load_fixed_rate", Map.of("acknowledged", acks.size(), "failed", failedPuts.get(), "missing_on_leader",
        missingOnLeader, "missing_on_follower", missingOnFollower));
    return results;
  }

  /** Fails, saying why, unless etcd is up with a leader: before Sluice's part is measured, not after. */
  void checkReachable() throws Exception {
    leaderEndpoint();
  }

  /** The endpoint of the first member that is its own leader. */
  private String leaderEndpoint() throws Exception {
    List<String> unreachable = new ArrayList<>();
    for (String endpoint : endpoints) {
      try (Client client = connect(endpoint)) {
        var status = client.getMaintenanceClient().statusMember(endpoint).get(10, TimeUnit.SECONDS);
        if (status.getLeader() == status.getHeader().getMemberId()) {
          return endpoint;
        }
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        unreachable.add(endpoint + " (" + e.getCause() + ")");
      }
    }
    throw new IllegalStateException("no etcd member at " + endpoints + " is the leader" + (unreachable.isEmpty() ? ""
        : "; unreachable: " + unreachable) + " (is it up? deploy/etcd/etcd-cluster.sh up)");
  }

  private static Client connect(String endpoint) {
    return Client.builder().endpoints(endpoint).connectTimeout(Duration.ofSeconds(5)).build();
  }

  private Watch.Watcher watch(Client client, Map<Integer, Long> arrivals) {
    WatchOption prefixed = WatchOption.builder().isPrefix(true).build();
    return client.getWatchClient().watch(key(""), prefixed, response -> {
      long now = System.nanoTime();
      for (WatchEvent event : response.getEvents()) {
        if (event.getEventType() != WatchEvent.EventType.PUT) {
          continue;
        }
        String key = event.getKeyValue().getKey().toString(StandardCharsets.UTF_8);
        arrivals.put(Integer.parseInt(key.substring(prefix.length())), now);
      }
    });
  }

  private void put(KV kv, int id, Map<Integer, Long> acks) {
    try {
      kv.put(key(Integer.toString(id)), value).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      acks.put(id, System.nanoTime());
    } catch (Exception e) {
      if (failedPuts.getAndIncrement() == 0) {
        say("  a put failed (counted, left out): %s", e);
      }
    }
  }

  private ByteSequence key(String suffix) {
    return ByteSequence.from(prefix + suffix, StandardCharsets.UTF_8);
  }

  private void say(String format, Object... args) {
    out.printf(format + "%n", args);
    out.flush();
  }
}
