package io.sluice.node.bench;

import io.sluice.client.ConnectionString;
import io.sluice.node.NodeConfig;
import io.sluice.node.RaftSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.client.retry.RequestTypeDependentRetryPolicy;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.TimeDuration;

/**
 * Ratis servers in this JVM running the {@link NoOpStateMachine}, built from the same Ratis
 * properties as Sluice's nodes ({@link RaftSettings}): the ceiling of the write benchmarks.
 */
final class BaselineCluster implements AutoCloseable {
  private final List<RaftServer> servers = new ArrayList<>();
  private RaftGroup group;

  private BaselineCluster() {}

  /** Starts the servers one by one (each is closed by {@link #close} even if a later one fails), then waits for a leader. */
  private void startServers(Path root, int size) throws IOException {
    List<String> addresses = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      addresses.add("127.0.0.1:" + BenchCluster.freePort());
    }
    String connection = "sluice://" + String.join(",", addresses);
    group = ConnectionString.parse(connection).raftGroup();
    for (int i = 0; i < size; i++) {
      NodeConfig config = NodeConfig.builder().address(addresses.get(i)).adminAddress("127.0.0.1:" + BenchCluster.freePort())
          .dataDir(root.resolve("baseline" + (i + 1)).toString()).peers(addresses).build();
      RaftServer server = RaftServer.newBuilder().setServerId(RaftPeerId.valueOf(config.nodeId())).setGroup(group)
          .setStateMachine(new NoOpStateMachine()).setProperties(RaftSettings.of(config))
          .setOption(RaftStorage.StartupOption.FORMAT).build();
      servers.add(server);
      server.start();
    }
    awaitLeader();
  }

  /** Waits until one server leads (up to 60 s), so that no figure includes the first election. */
  private void awaitLeader() throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      for (RaftServer server : servers) {
        if (server.getDivision(group.getGroupId()).getInfo().isLeaderReady()) {
          return;
        }
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for the baseline's leader", e);
      }
    }
    throw new IOException("the baseline cluster elected no leader within 60 s");
  }

  /** Starts {@code size} servers with their storage under {@code root}. */
  static BaselineCluster start(Path root, int size) {
    BaselineCluster cluster = new BaselineCluster();
    try {
      cluster.startServers(root, size);
      return cluster;
    } catch (IOException | RuntimeException e) {
      cluster.close();
      throw e instanceof IOException io ? new UncheckedIOException("cannot start the baseline cluster", io) : (RuntimeException) e;
    }
  }

  /**
   * A Ratis client of the cluster set up as Sluice's client sets up its own: a 3-s request timeout, and
   * writes retried every 100 ms for up to 30 s (the benches' Sluice clients use timeoutMS=30000).
   */
  RaftClient client() {
    RaftProperties properties = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(properties, TimeDuration.valueOf(3, TimeUnit.SECONDS));
    RetryPolicy retry = RequestTypeDependentRetryPolicy.newBuilder()
        .setRetryPolicy(RaftProtos.RaftClientRequestProto.TypeCase.WRITE, RetryPolicies.retryForeverWithSleep(TimeDuration.valueOf(100,
            TimeUnit.MILLISECONDS)))
        .setTimeout(RaftProtos.RaftClientRequestProto.TypeCase.WRITE, TimeDuration.valueOf(30, TimeUnit.SECONDS)).build();
    return RaftClient.newBuilder().setRaftGroup(group).setProperties(properties).setRetryPolicy(retry).build();
  }

  String describe() {
    return group.getPeers().stream().map(p -> p.getAddress()).collect(Collectors.joining(","));
  }

  @Override
  public void close() {
    for (RaftServer server : servers) {
      try {
        server.close();
      } catch (IOException e) {
        // Closing the rest matters more.
      }
    }
  }
}
