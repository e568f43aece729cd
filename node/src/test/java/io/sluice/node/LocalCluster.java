package io.sluice.node;

import static org.awaitility.Awaitility.await;

import io.sluice.client.SluiceClient;
import io.sluice.node.admin.ClusterAdmin;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * An in-JVM cluster of real nodes on loopback with ephemeral ports and per-test directories, for
 * tests that need Raft, the store and the client together. Nodes can be stopped (as by a crash:
 * the store keeps only what was committed) and started again from their data directory; further
 * nodes can be started in join mode and added with {@link #admin()}.
 */
final class LocalCluster implements AutoCloseable {
  private final Path dir;
  private final UnaryOperator<NodeConfig.Builder> settings;
  private final List<NodeConfig> configs = new ArrayList<>();
  /** Node i, or null while it is stopped. */
  private final List<SluiceNode> nodes = new ArrayList<>();
  private final List<SluiceClient> clients = new ArrayList<>();
  private final List<ClusterAdmin> admins = new ArrayList<>();

  private LocalCluster(Path dir, int size, UnaryOperator<NodeConfig.Builder> settings) {
    this.dir = dir;
    this.settings = settings;
    List<String> raftAddresses = new ArrayList<>();
    List<String> adminAddresses = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      raftAddresses.add("127.0.0.1:" + freePort());
      adminAddresses.add("127.0.0.1:" + freePort());
    }
    for (int i = 0; i < size; i++) {
      configs.add(config(raftAddresses.get(i), adminAddresses.get(i), raftAddresses, false));
      nodes.add(null);
    }
  }

  private NodeConfig config(String address, String adminAddress, List<String> peers, boolean join) {
    return settings.apply(NodeConfig.builder().address(address).adminAddress(adminAddress)
        .dataDir(dir.resolve("node" + (configs.size() + 1)).toString()).peers(peers).join(join)
        .electionTimeoutMinMs(600).electionTimeoutMaxMs(1200)).build();
  }

  static LocalCluster start(Path dir, int size) {
    return start(dir, size, UnaryOperator.identity());
  }

  /** A cluster of {@code size} nodes configured with {@code settings}, none of them started. */
  static LocalCluster unstarted(Path dir, int size, UnaryOperator<NodeConfig.Builder> settings) {
    return new LocalCluster(dir, size, settings);
  }

  /** A cluster whose node configurations are changed by {@code settings} (small snapshot thresholds, say). */
  static LocalCluster start(Path dir, int size, UnaryOperator<NodeConfig.Builder> settings) {
    LocalCluster cluster = unstarted(dir, size, settings);
    for (int i = 0; i < size; i++) {
      cluster.start(i);
    }
    cluster.awaitLeader();
    return cluster;
  }

  void start(int i) {
    nodes.set(i, SluiceNode.start(configs.get(i)));
  }

  void start(int i, SluiceNode.Entry entry) {
    nodes.set(i, SluiceNode.start(configs.get(i), entry));
  }

  /**
   * Adds node {@code size()} with its own free ports, configured to join (its peers are the other
   * nodes), and starts it as {@code entry} says; it is no member until an admin adds it.
   *
   * @return its index
   */
  int startJoiner(SluiceNode.Entry entry) {
    List<String> others = configs.stream().map(NodeConfig::address).toList();
    configs.add(config("127.0.0.1:" + freePort(), "127.0.0.1:" + freePort(), others, true));
    nodes.add(null);
    start(nodes.size() - 1, entry);
    return nodes.size() - 1;
  }

  /** Stops node i; its data directory stays for a later {@link #start}. */
  void stop(int i) {
    nodes.get(i).close();
    nodes.set(i, null);
  }

  /** Takes over a node started outside the fixture as node i (stopped until then), e.g. by a rejoin. */
  void adopt(int i, SluiceNode running) {
    Objects.requireNonNull(running);
    if (nodes.get(i) != null) {
      throw new IllegalStateException("node " + i + " is running");
    }
    nodes.set(i, running);
  }

  NodeConfig config(int i) {
    return configs.get(i);
  }

  String address(int i) {
    return configs.get(i).address();
  }

  /** Stops node i as a crash leaves it: its store is found cut off at the next start, and rebuilt. */
  void crash(int i) {
    stop(i);
    try {
      java.nio.file.Files.write(configs.get(i).dataDir().resolve("store").resolve("store.open"), new byte[0]);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  SluiceNode node(int i) {
    return Objects.requireNonNull(nodes.get(i), "node " + i + " is stopped");
  }

  int size() {
    return nodes.size();
  }

  boolean isRunning(int i) {
    return nodes.get(i) != null;
  }

  /** Waits for a leader that is ready to take writes, and returns its index. */
  int awaitLeader() {
    return await().atMost(Duration.ofSeconds(90)).until(this::leaderIndex, i -> i >= 0 && nodes.get(i) != null && nodes.get(i).isReadyLeader());
  }

  /** The index of the node that is leader now, or -1. */
  int leaderIndex() {
    for (int i = 0; i < nodes.size(); i++) {
      if (nodes.get(i) != null && nodes.get(i).isLeader()) {
        return i;
      }
    }
    return -1;
  }

  int aFollower() {
    int leader = awaitLeader();
    for (int i = 0; i < nodes.size(); i++) {
      if (i != leader && nodes.get(i) != null) {
        return i;
      }
    }
    throw new IllegalStateException("no running follower");
  }

  String connectionString() {
    return "sluice://" + configs.stream().map(NodeConfig::address).collect(Collectors.joining(","));
  }

  SluiceClient client() {
    return client("");
  }

  SluiceClient client(String options) {
    SluiceClient client = SluiceClient.connect(connectionString() + (options.isEmpty() ? "" : "/?" + options));
    clients.add(client);
    return client;
  }

  /** An admin client of this cluster (closed with it). */
  ClusterAdmin admin() {
    ClusterAdmin admin = ClusterAdmin.connect(connectionString(), Duration.ofSeconds(60));
    admins.add(admin);
    return admin;
  }

  /** Waits until every running node has applied the same entries and holds identical state. */
  void awaitIdenticalState() {
    await().atMost(Duration.ofSeconds(90)).until(() -> {
      List<String> digests = nodes.stream().filter(Objects::nonNull).map(n -> n.status().appliedIndex() + ":" + n.digest()).distinct().toList();
      return digests.size() == 1;
    });
  }

  @Override
  public void close() {
    clients.forEach(SluiceClient::close);
    admins.forEach(ClusterAdmin::close);
    for (int i = 0; i < nodes.size(); i++) {
      if (nodes.get(i) != null) {
        stop(i);
      }
    }
  }

  static int freePort() {
    return LoopbackPorts.free();
  }
}
