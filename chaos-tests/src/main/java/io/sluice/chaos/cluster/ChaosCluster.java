package io.sluice.chaos.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.client.ConnectionString;
import io.sluice.client.SluiceClient;
import io.sluice.protocol.ClusterNaming;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.util.TimeDuration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A 3- or 5-node Sluice cluster in containers, with its firewall and a client. Node N listens on
 * 127.0.10.N. Closing it removes the containers and the firewall table; a shutdown hook does the
 * same if the JVM exits first, and {@link #start} removes what a killed earlier run left behind.
 */
public final class ChaosCluster implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ChaosCluster.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NAME = "chaos";
  private static boolean hookInstalled;

  private final List<ChaosNode> nodes;
  private final Firewall firewall;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
  private SluiceClient client;

  private ChaosCluster(List<ChaosNode> nodes, Firewall firewall) {
    this.nodes = nodes;
    this.firewall = firewall;
  }

  /** Starts {@code size} nodes with data and logs under {@code runDir}, and waits for a leader. */
  public static ChaosCluster start(int size, Path runDir) {
    removeLeftovers();
    installShutdownHook();
    String image = NodeImage.name();
    List<String> peers = IntStream.rangeClosed(1, size).mapToObj(ChaosNode::address).toList();
    List<ChaosNode> nodes = new ArrayList<>();
    try {
      // A run starts from empty data directories and logs.
      ChaosNode.deleteRecursively(runDir);
      Files.createDirectories(runDir);
    } catch (IOException e) {
      throw new IllegalStateException("cannot create " + runDir, e);
    }
    for (int n = 1; n <= size; n++) {
      nodes.add(new ChaosNode(n, image, NAME, peers, runDir));
    }
    Firewall firewall = Firewall.install(nodes.stream().map(n -> new Firewall.Member(n.uid(), n.host())).toList());
    ChaosCluster cluster = new ChaosCluster(nodes, firewall);
    nodes.parallelStream().forEach(ChaosNode::start);
    LOG.info("started {} nodes from {} in {}", size, image, runDir);
    return cluster;
  }

  public List<ChaosNode> nodes() {
    return nodes;
  }

  /** Node {@code number}, counting from 1. */
  public ChaosNode node(int number) {
    return nodes.get(number - 1);
  }

  public Firewall firewall() {
    return firewall;
  }

  public String connectionString() {
    return "sluice://" + String.join(",", nodes.stream().map(ChaosNode::address).toList()) + "/?cluster=" + NAME;
  }

  /**
   * A client shared by the test; workloads that need their own connection make one. Its operations
   * may take a minute (not the default 15 s): the test's own writes come right after kills and
   * restarts, and an election on a slow machine must not fail them.
   */
  public synchronized SluiceClient client() {
    if (client == null) {
      client = SluiceClient.connect(connectionString() + "&timeoutMS=60000");
    }
    return client;
  }

  /** Asks the group to make {@code node} its leader, through Ratis' admin API. */
  public RaftClientReply transferLeadership(ChaosNode node) {
    return admin("transferring the leadership to " + node, PERSISTENT,
        raft -> raft.admin().transferLeadership(RaftPeerId.valueOf(ClusterNaming.peerId(node.address())), 10_000));
  }

  /** Asks {@code node} to take a snapshot now (Ratis' snapshot management API); one try, the node may be killed meanwhile. */
  public RaftClientReply takeSnapshot(ChaosNode node) {
    return admin("a snapshot on " + node, RetryPolicies.noRetry(),
        raft -> raft.getSnapshotManagementApi(RaftPeerId.valueOf(ClusterNaming.peerId(node.address()))).create(true, 20_000));
  }

  /**
   * Makes {@code voters} the group's members (Ratis' setConfiguration, List form: the array form drops servers).
   * Retried for a minute or more (300 tries, 200 ms apart): a member added back first installs a snapshot
   * and catches up, and until then every retry of the request is refused as a reconfiguration in progress.
   * A failure says the state of every node.
   */
  public RaftClientReply setMembers(List<ChaosNode> voters) {
    List<RaftPeer> peers = voters.stream().map(n -> RaftPeer.newBuilder().setId(ClusterNaming.peerId(n.address()))
        .setAddress(n.address()).build()).toList();
    try {
      return admin("making the members " + voters, MEMBERSHIP, raft -> raft.admin().setConfiguration(peers));
    } catch (UncheckedIOException e) {
      throw new UncheckedIOException(e.getMessage() + "; the nodes:" + describe(), e.getCause());
    }
  }

  private interface AdminCall {
    RaftClientReply call(RaftClient raft) throws IOException;
  }

  /** Up to 20 s while a leader is elected; bounded, since Ratis' default policy retries forever without sleeping. */
  private static final RetryPolicy PERSISTENT =
      RetryPolicies.retryUpToMaximumCountWithFixedSleep(100, TimeDuration.valueOf(200, TimeUnit.MILLISECONDS));

  private static final RetryPolicy MEMBERSHIP =
      RetryPolicies.retryUpToMaximumCountWithFixedSleep(300, TimeDuration.valueOf(200, TimeUnit.MILLISECONDS));

  private RaftClientReply admin(String what, RetryPolicy retry, AdminCall call) {
    RaftGroup group = ConnectionString.parse(connectionString()).raftGroup();
    try (RaftClient raft = RaftClient.newBuilder().setRaftGroup(group).setProperties(new RaftProperties()).setRetryPolicy(retry).build()) {
      return call.call(raft);
    } catch (IOException e) {
      throw new UncheckedIOException(what + " failed", e);
    }
  }

  /** The node's status from its admin HTTP (no digest), or empty when it does not answer promptly. */
  public Optional<NodeStatus> status(ChaosNode node) {
    return status(node, false);
  }

  /**
   * With {@code digest}, the status carries the node's state digest, which holds up the node's
   * applying while it reads the store: asked for only to compare nodes, not on every poll, and given
   * longer to answer.
   */
  private Optional<NodeStatus> status(ChaosNode node, boolean digest) {
    if (!node.isRunning() || node.isPaused()) {
      return Optional.empty();
    }
    try {
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + node.adminAddress() + "/status" + (digest ? "?digest=true" : "")))
          .timeout(Duration.ofSeconds(digest ? 30 : 1)).build();
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 ? Optional.of(NodeStatus.of(JSON.readTree(response.body()))) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** The node that says it leads in the highest term, if any answers so. */
  public Optional<ChaosNode> leader() {
    ChaosNode leader = null;
    long term = -1;
    for (ChaosNode node : nodes) {
      Optional<NodeStatus> s = status(node);
      if (s.isPresent() && s.get().isLeader() && s.get().term() > term) {
        leader = node;
        term = s.get().term();
      }
    }
    return Optional.ofNullable(leader);
  }

  /**
   * True when every node answers, one leads, and all have committed and applied the same entries
   * (the commit index may stay one ahead of the applied one: Ratis' metadata entries are not applied).
   */
  public boolean isConverged() {
    List<NodeStatus> all = statuses();
    return all.size() == nodes.size()
        && all.stream().filter(NodeStatus::isLeader).count() == 1
        && all.stream().map(s -> s.commitIndex() + ":" + s.appliedIndex()).distinct().count() == 1;
  }

  /**
   * True when every node answers, one leads, and every node has applied at least {@code index}: the
   * test of a cluster healed while clients keep writing, when indexes never stand still.
   */
  public boolean hasCaughtUpTo(long index) {
    List<NodeStatus> all = statuses();
    return all.size() == nodes.size()
        && all.stream().anyMatch(NodeStatus::isLeader)
        && all.stream().allMatch(s -> s.appliedIndex() >= index);
  }

  /** The statuses of the nodes that answer. */
  public List<NodeStatus> statuses() {
    return nodes.stream().map(this::status).flatMap(Optional::stream).toList();
  }

  /** The statuses of the nodes that answer, each with its state digest. */
  public List<NodeStatus> statusesWithDigests() {
    return nodes.stream().map(node -> status(node, true)).flatMap(Optional::stream).toList();
  }

  /** One line per node, for failure messages. */
  public String describe() {
    StringBuilder out = new StringBuilder();
    for (ChaosNode node : nodes) {
      out.append('\n').append(node).append(node.isPaused() ? " paused " : " ")
          .append(status(node).map(Object::toString).orElse("does not answer"));
    }
    return out.toString();
  }

  @Override
  public synchronized void close() {
    if (client != null) {
      client.close();
    }
    nodes.forEach(ChaosNode::remove);
    firewall.close();
  }

  /** Removes containers and the firewall table that a killed earlier run may have left. */
  public static void removeLeftovers() {
    String ids = Commands.run(List.of("docker", "ps", "-aq", "--filter", "label=" + ChaosNode.LABEL), "", 60).strip();
    if (!ids.isEmpty()) {
      List<String> command = new ArrayList<>(List.of("docker", "rm", "-f"));
      command.addAll(List.of(ids.split("\\s+")));
      Commands.run(command, "", 120);
    }
    Firewall.deleteTable();
  }

  private static synchronized void installShutdownHook() {
    if (!hookInstalled) {
      hookInstalled = true;
      Runtime.getRuntime().addShutdownHook(new Thread(ChaosCluster::removeLeftovers, "chaos-cleanup"));
    }
  }
}
