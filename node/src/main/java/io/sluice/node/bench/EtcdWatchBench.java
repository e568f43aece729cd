package io.sluice.node.bench;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

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
    Members members = members();
    String leader = members.leader();
    String follower = members.followers().stream().findFirst().orElseThrow(() -> new IllegalStateException(
        "no etcd follower answered among " + endpoints + "; the etcd comparison needs a follower as well as the leader"));
    say("etcd: leader %s, follower %s", leader, follower);
    Map<Integer, Long> acks = new ConcurrentHashMap<>();
    Watching onLeader = new Watching("leader " + leader);
    Watching onFollower = new Watching("follower " + follower);
    long measuredFrom;
    long measuredTo;
    try (Client writer = connect(leader); Client leaderWatches = connect(leader); Client followerWatches = connect(follower);
         Watch.Watcher leaderWatch = onLeader.start(leaderWatches);
         Watch.Watcher followerWatch = onFollower.start(followerWatches)) {
      onLeader.awaitCreated();
      onFollower.awaitCreated();
      KV kv = writer.getKVClient();
      try {
        say("etcd ack-to-event at fixed rate: %,d puts/s for %d s (the first %d s are warm-up)...", rate, warmupSeconds + seconds, warmupSeconds);
        AtomicInteger ids = new AtomicInteger();
        AckToEvent.atFixedRate(rate, rate * warmupSeconds, "--rate", ignored -> put(kv, ids.getAndIncrement(), acks));
        measuredFrom = System.nanoTime();
        AckToEvent.atFixedRate(rate, rate * seconds, "--rate", ignored -> put(kv, ids.getAndIncrement(), acks));
        measuredTo = System.nanoTime();
        AckToEvent.waitFor(() -> onLeader.sawAll(acks.keySet()) && onFollower.sawAll(acks.keySet()), 30);
        onLeader.failIfBroken();
        onFollower.failIfBroken();
      } finally {
        kv.delete(key(""), DeleteOption.builder().isPrefix(true).build()).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      }
    }
    Latency leaderLatency = AckToEvent.latencies(acks, onLeader.arrivals, measuredFrom);
    Latency followerLatency = AckToEvent.latencies(acks, onFollower.arrivals, measuredFrom);
    long missingOnLeader = AckToEvent.missing(acks, onLeader.arrivals);
    long missingOnFollower = AckToEvent.missing(acks, onFollower.arrivals);
    double reached = AckToEvent.perSecond(acks, measuredFrom, measuredTo);
    say("  etcd leader watch   %s", leaderLatency.summary());
    say("  etcd follower watch %s", followerLatency.summary());
    say("  %,.0f puts/s reached; %d puts acknowledged, %d failed; events missing: %d on the leader, %d on the follower", reached, acks.size(),
        failedPuts.get(), missingOnLeader, missingOnFollower);
    Map<String, Object> results = new LinkedHashMap<>();
    results.put("etcd_ack_to_event_leader_fixed_rate", leaderLatency.toMap());
    results.put("etcd_ack_to_event_follower_fixed_rate", followerLatency.toMap());
    results.put("etcd_load_fixed_rate", Map.of("writes_per_second", reached, "acknowledged", acks.size(), "failed", failedPuts.get(),
        "missing_on_leader", missingOnLeader, "missing_on_follower", missingOnFollower));
    return results;
  }

  /** Fails, saying why, unless etcd is up with a leader: before Sluice's part is measured, not after. */
  void checkReachable() throws Exception {
    members();
  }

  /** The leader and the followers that answered. */
  private record Members(String leader, List<String> followers) {}

  private Members members() throws Exception {
    String leader = null;
    List<String> followers = new ArrayList<>();
    List<String> unreachable = new ArrayList<>();
    for (String endpoint : endpoints) {
      try (Client client = connect(endpoint)) {
        var status = client.getMaintenanceClient().statusMember(endpoint).get(10, TimeUnit.SECONDS);
        if (status.getLeader() == status.getHeader().getMemberId()) {
          leader = endpoint;
        } else {
          followers.add(endpoint);
        }
      } catch (ExecutionException | TimeoutException e) {
        unreachable.add(endpoint + " (" + (e instanceof ExecutionException ? e.getCause() : "no answer in 10 s") + ")");
      }
    }
    if (leader == null) {
      throw new IllegalStateException("no etcd member at " + endpoints + " is the leader" + (unreachable.isEmpty() ? ""
          : "; unreachable: " + unreachable) + " (is it up? deploy/etcd/etcd-cluster.sh up)");
    }
    return new Members(leader, followers);
  }

  private static Client connect(String endpoint) {
    return Client.builder().endpoints(endpoint).connectTimeout(Duration.ofSeconds(5)).build();
  }

  /** One watch on the run's keys: when each put's event arrived, and the first failure, if the watch broke. */
  private final class Watching implements Watch.Listener {
    final Map<Integer, Long> arrivals = new ConcurrentHashMap<>();
    private final String name;
    private final CompletableFuture<Void> created = new CompletableFuture<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    Watching(String name) {
      this.name = name;
    }

    /** Starts the watch; etcd confirms it later ({@link #awaitCreated}), and only puts after that are sure to be seen. */
    Watch.Watcher start(Client client) {
      return client.getWatchClient().watch(key(""), WatchOption.builder().isPrefix(true).withCreateNotify(true).build(), this);
    }

    void awaitCreated() throws Exception {
      try {
        created.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        throw new IllegalStateException("etcd did not confirm the watch on the " + name + " in " + TIMEOUT_SECONDS + " s", e);
      }
    }

    boolean sawAll(Set<Integer> ids) {
      return failure.get() != null || arrivals.keySet().containsAll(ids);
    }

    void failIfBroken() {
      if (failure.get() != null) {
        throw new IllegalStateException("the etcd watch on the " + name + " failed: " + failure.get(), failure.get());
      }
    }

    @Override
    public void onNext(WatchResponse response) {
      long now = System.nanoTime();
      if (response.isCreatedNotify()) {
        created.complete(null);
      }
      for (WatchEvent event : response.getEvents()) {
        if (event.getEventType() == WatchEvent.EventType.PUT) {
          String key = event.getKeyValue().getKey().toString(StandardCharsets.UTF_8);
          arrivals.put(Integer.parseInt(key.substring(prefix.length())), now);
        }
      }
    }

    @Override
    public void onError(Throwable error) {
      failure.compareAndSet(null, error);
      created.completeExceptionally(error);
    }

    @Override
    public void onCompleted() {
      onError(new IllegalStateException("etcd ended the watch"));
    }
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
