package io.sluice.node.bench;

import io.sluice.node.LoopbackPorts;
import io.sluice.node.NodeConfig;
import io.sluice.node.SluiceNode;
import io.sluice.node.admin.ClusterAdmin;
import io.sluice.protocol.ClusterNaming;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.ratis.protocol.RaftGroupId;

/**
 * Real nodes in this JVM on 127.0.0.1 ephemeral ports, each with its data directory under one root,
 * for benches that stop, crash, wipe and restart nodes and take snapshots on demand. Nodes are
 * numbered from 0; a stopped node keeps its configuration and can be started again.
 */
final class BenchCluster implements AutoCloseable {
  private final List<NodeConfig> configs = new ArrayList<>();
  private final SluiceNode[] nodes;
  private final RaftGroupId groupId;

  private BenchCluster(Path root, int size, UnaryOperator<NodeConfig.Builder> settings) {
    List<String> raft = new ArrayList<>();
    List<String> admin = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      raft.add("127.0.0.1:" + freePort());
      admin.add("127.0.0.1:" + freePort());
    }
    for (int i = 0; i < size; i++) {
      configs.add(settings.apply(NodeConfig.builder().address(raft.get(i)).adminAddress(admin.get(i))
          .dataDir(root.resolve("node" + (i + 1)).toString()).peers(raft)).build());
    }
    nodes = new SluiceNode[size];
    groupId = RaftGroupId.valueOf(ClusterNaming.groupId(configs.get(0).cluster()));
  }

  /** Starts {@code size} nodes whose configurations {@code settings} adjusts, and waits for a leader. */
  static BenchCluster start(Path root, int size, UnaryOperator<NodeConfig.Builder> settings) {
    BenchCluster cluster = new BenchCluster(root, size, settings);
    try {
      for (int i = 0; i < size; i++) {
        cluster.start(i);
      }
      cluster.awaitLeader();
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  void start(int i) {
    if (nodes[i] != null) {
      throw new IllegalStateException("node " + i + " is already running");
    }
    nodes[i] = SluiceNode.start(configs.get(i));
  }

  /** Stops node i cleanly (its store is closed and trusted at the next start). */
  void stop(int i) {
    node(i).close();
    nodes[i] = null;
  }

  /** Marks stopped node i's store as cut off by a crash: the next start discards it and rebuilds from snapshot and log. */
  void markCrashed(int i) throws IOException {
    requireStopped(i);
    Files.write(configs.get(i).dataDir().resolve("store").resolve("store.open"), new byte[0]);
  }

  /** Deletes stopped node i's whole data directory, as a node that lost its disk. */
  void wipe(int i) throws IOException {
    requireStopped(i);
    deleteRecursively(configs.get(i).dataDir());
  }

  SluiceNode node(int i) {
    return Objects.requireNonNull(nodes[i], () -> "node " + i + " is stopped");
  }

  NodeConfig config(int i) {
    return configs.get(i);
  }

  int size() {
    return nodes.length;
  }

  String connectionString() {
    return "sluice://" + configs.stream().map(NodeConfig::address).collect(Collectors.joining(","));
  }

  /** The index of a running leader that takes writes, waiting up to 60 s for one. */
  int awaitLeader() {
    int[] found = {-1};
    waitUntil(() -> {
      for (int i = 0; i < nodes.length; i++) {
        if (nodes[i] != null && nodes[i].isReadyLeader()) {
          found[0] = i;
          return true;
        }
      }
      return false;
    }, Duration.ofSeconds(60), "a leader");
    return found[0];
  }

  /** Waits (up to 2 minutes) until node i has applied what the leader had applied when asked. */
  void awaitCaughtUp(int i) {
    long[] target = {-1};
    int leader = awaitLeader();
    // A node whose store is being replaced answers no status for a moment (-1): ask again.
    waitUntil(() -> (target[0] = applied(leader)) >= 0, Duration.ofMinutes(2), "the leader's applied index");
    waitUntil(() -> applied(i) >= target[0], Duration.ofMinutes(2), "node " + i + " to apply index " + target[0]);
  }

  /** Node i's applied index, or -1 if its store stays locked for a second. */
  private long applied(int i) {
    return node(i).status(false, Duration.ofSeconds(1)).map(io.sluice.node.NodeStatus::appliedIndex).orElse(-1L);
  }

  /** A running node that is not the leader. */
  int aFollower() {
    int leader = awaitLeader();
    for (int i = 0; i < nodes.length; i++) {
      if (i != leader && nodes[i] != null) {
        return i;
      }
    }
    throw new IllegalStateException("no running follower");
  }

  /** Asks node i for a snapshot now; completes with its index once it is on disk (see {@link ClusterAdmin#snapshot}). */
  CompletableFuture<Long> snapshot(int i, Duration timeout) {
    String address = configs.get(i).address();
    // A thread of its own: the blocking admin calls on the common pool, which the nodes in this JVM share
    // (a Ratis follower takes a step of each append there), starved them until their appends timed out.
    return CompletableFuture.supplyAsync(() -> {
      try (ClusterAdmin admin = ClusterAdmin.connect(connectionString(), timeout)) {
        return admin.snapshot(address);
      }
    }, task -> {
      Thread thread = new Thread(task, "bench-snapshot-" + i);
      thread.setDaemon(true);
      thread.start();
    });
  }

  /** True if node i runs and its Raft server has not stopped itself (as it does when the apply thread fails). */
  boolean isAlive(int i) {
    try {
      return nodes[i] != null && nodes[i].raftServer().getDivision(groupId).getInfo().isAlive();
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** Waits for {@code future}, failing at once if node i stops itself meanwhile rather than at the timeout. */
  <T> T await(CompletableFuture<T> future, int i, Duration timeout, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        return future.get(100, java.util.concurrent.TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        if (!isAlive(i)) {
          throw new IllegalStateException("node " + i + " stopped itself while " + what + "; its log says why");
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("waited " + timeout.toSeconds() + " s for " + what + " in vain");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while " + what, e);
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IllegalStateException(what + " failed: " + e.getCause(), e.getCause());
      }
    }
  }

  /** The first entry still in node i's Raft log (older ones were purged after a snapshot). */
  long logStartIndex(int i) throws IOException {
    return node(i).raftServer().getDivision(groupId).getRaftLog().getStartIndex();
  }

  /** The index of the last entry in node i's Raft log. */
  long lastLogIndex(int i) throws IOException {
    return node(i).raftServer().getDivision(groupId).getRaftLog().getLastEntryTermIndex().getIndex();
  }

  /** The index of node i's newest snapshot, 0 if it has none. */
  long snapshotIndex(int i) {
    var latest = node(i).stateMachine().getLatestSnapshot();
    return latest == null ? 0 : latest.getIndex();
  }

  /** The newest snapshot file of node i, if it has one. */
  java.util.Optional<Path> latestSnapshotFile(int i) {
    var latest = node(i).stateMachine().getLatestSnapshot();
    return latest == null ? java.util.Optional.empty() : java.util.Optional.of(latest.getFiles().get(0).getPath());
  }

  private void requireStopped(int i) {
    if (nodes[i] != null) {
      throw new IllegalStateException("node " + i + " must be stopped first");
    }
  }

  @Override
  public void close() {
    for (int i = 0; i < nodes.length; i++) {
      if (nodes[i] != null) {
        stop(i);
      }
    }
  }

  /** Polls {@code done} every 5 ms until it holds, or fails naming {@code what} after {@code timeout}. */
  static void waitUntil(BooleanSupplier done, Duration timeout, String what) {
    waitUntil(done, timeout, Duration.ofMillis(5), what);
  }

  /** Polls {@code done} every {@code poll} until it holds, or fails naming {@code what} after {@code timeout}. */
  static void waitUntil(BooleanSupplier done, Duration timeout, Duration poll, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("waited " + timeout.toSeconds() + " s for " + what + " in vain");
      }
      try {
        Thread.sleep(poll.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + what, e);
      }
    }
  }

  static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  static int freePort() {
    return LoopbackPorts.free();
  }
}
