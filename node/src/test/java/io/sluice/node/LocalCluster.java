package io.sluice.node;

import static org.awaitility.Awaitility.await;

import io.sluice.client.SluiceClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * An in-JVM cluster of real nodes on loopback with ephemeral ports and per-test directories, for
 * tests that need Raft, the store and the client together. Nodes can be stopped (as by a crash:
 * the store keeps only what was committed) and started again from their data directory.
 */
final class LocalCluster implements AutoCloseable {
  private final List<NodeConfig> configs = new ArrayList<>();
  private final SluiceNode[] nodes;
  private final List<SluiceClient> clients = new ArrayList<>();

  private LocalCluster(Path dir, int size, UnaryOperator<NodeConfig.Builder> settings) {
    List<String> raftAddresses = new ArrayList<>();
    List<String> adminAddresses = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      raftAddresses.add("127.0.0.1:" + freePort());
      adminAddresses.add("127.0.0.1:" + freePort());
    }
    for (int i = 0; i < size; i++) {
      configs.add(settings.apply(NodeConfig.builder().address(raftAddresses.get(i)).adminAddress(adminAddresses.get(i))
          .dataDir(dir.resolve("node" + (i + 1)).toString()).peers(raftAddresses)
          .electionTimeoutMinMs(600).electionTimeoutMaxMs(1200)).build());
    }
    nodes = new SluiceNode[size];
  }

  static LocalCluster start(Path dir, int size) {
    return start(dir, size, UnaryOperator.identity());
  }

  /** A cluster whose node configurations are changed by {@code settings} (small snapshot thresholds, say). */
  static LocalCluster start(Path dir, int size, UnaryOperator<NodeConfig.Builder> settings) {
    LocalCluster cluster = new LocalCluster(dir, size, settings);
    for (int i = 0; i < size; i++) {
      cluster.start(i);
    }
    cluster.awaitLeader();
    return cluster;
  }

  void start(int i) {
    nodes[i] = SluiceNode.start(configs.get(i));
  }

  /** Stops node i; its data directory stays for a later {@link #start}. */
  void stop(int i) {
    nodes[i].close();
    nodes[i] = null;
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

  NodeConfig config(int i) {
    return configs.get(i);
  }

  SluiceNode node(int i) {
    return Objects.requireNonNull(nodes[i], "node " + i + " is stopped");
  }

  int size() {
    return nodes.length;
  }

  boolean isRunning(int i) {
    return nodes[i] != null;
  }

  /** Waits for a leader that is ready to take writes, and returns its index. */
  int awaitLeader() {
    return await().atMost(Duration.ofSeconds(30)).until(this::leaderIndex, i -> i >= 0 && nodes[i] != null && nodes[i].isReadyLeader());
  }

  /** The index of the node that is leader now, or -1. */
  int leaderIndex() {
    for (int i = 0; i < nodes.length; i++) {
      if (nodes[i] != null && nodes[i].isLeader()) {
        return i;
      }
    }
    return -1;
  }

  int aFollower() {
    int leader = awaitLeader();
    for (int i = 0; i < nodes.length; i++) {
      if (i != leader && nodes[i] != null) {
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

  /** Waits until every running node has applied the same entries and holds identical state. */
  void awaitIdenticalState() {
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      List<String> digests = Arrays.stream(nodes).filter(Objects::nonNull).map(n -> n.status().appliedIndex() + ":" + n.digest()).distinct().toList();
      return digests.size() == 1;
    });
  }

  @Override
  public void close() {
    clients.forEach(SluiceClient::close);
    for (int i = 0; i < nodes.length; i++) {
      if (nodes[i] != null) {
        stop(i);
      }
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress("127.0.0.1", 0));
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
