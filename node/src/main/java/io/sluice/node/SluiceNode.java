package io.sluice.node;

import io.sluice.protocol.ClusterNaming;
import io.sluice.protocol.Position;
import io.sluice.node.admin.Member;
import io.sluice.statemachine.SluiceStateMachine;
import io.sluice.statemachine.storage.MapDbDocumentStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Sluice node: the store, the state machine, the Ratis server and the admin endpoint.
 * {@link #start} returns once the node listens; {@link #close} stops it and closes the store.
 */
public final class SluiceNode implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SluiceNode.class);

  private final NodeConfig config;
  private final RaftGroupId groupId;
  private final SluiceStateMachine stateMachine;
  private final RaftServer server;
  private final AdminHttpServer admin;
  private final StuckFollowerWatch stuckFollowers;
  private final PromotionDeadlockBreaker promotionDeadlocks;
  private final StreamCommandService streamCommands;
  private final NodeMetrics metrics = new NodeMetrics();
  private final java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();
  private final CompletableFuture<String> stoppedItself = new CompletableFuture<>();
  private final CompletableFuture<Void> closed = new CompletableFuture<>();

  /** How long a leader lets a follower show the sign of Ratis' appender stall before stepping down (see {@link StuckFollowerWatch}). */
  private static final java.time.Duration STUCK_FOLLOWER_PATIENCE = java.time.Duration.ofSeconds(30);

  private SluiceNode(NodeConfig config, Entry entry) throws IOException {
    this.config = config;
    this.groupId = RaftGroupId.valueOf(ClusterNaming.groupId(config.cluster()));
    // First: a taken admin port fails the start before the store is opened.
    this.admin = new AdminHttpServer(config.adminAddress(), this);
    MapDbDocumentStore store = null;
    try {
      store = MapDbDocumentStore.open(config.dataDir().resolve("store"));
      this.stateMachine = new SluiceStateMachine(store, System::currentTimeMillis, config.staleReadWait(), config.streams(),
          config.sessionLifetime(), metrics.registry());
      this.streamCommands = new StreamCommandService(groupId, stateMachine,
          () -> info().map(i -> i.getLifeCycleState() == LifeCycle.State.RUNNING).orElse(false));
      boolean formatted = java.nio.file.Files.exists(config.dataDir().resolve("raft").resolve(groupId.getUuid().toString()));
      if (formatted && entry != Entry.MEMBER) {
        LOG.info("node {} has Raft storage: it restarts from its stored configuration, join has no effect", config.nodeId());
      } else if (entry != Entry.MEMBER) {
        LOG.info("node {} starts with no membership ({}): it waits for the leader to add it", config.nodeId(), entry);
      }
      this.server = RaftServer.newBuilder()
          .setServerId(RaftPeerId.valueOf(config.nodeId()))
          .setGroup(initialGroup(entry))
          .setStateMachine(stateMachine)
          .setProperties(RaftSettings.of(config))
          .setParameters(streamService())
          .setOption(formatted ? RaftStorage.StartupOption.RECOVER : RaftStorage.StartupOption.FORMAT)
          .build();
      this.stuckFollowers = new StuckFollowerWatch(server, groupId, STUCK_FOLLOWER_PATIENCE);
      this.promotionDeadlocks = new PromotionDeadlockBreaker(server, groupId);
      metrics.bind(this, RaftGroupMemberId.valueOf(RaftPeerId.valueOf(config.nodeId()), groupId).toString());
      stateMachine.whenClosed().thenRun(this::stopIfRaftClosedTheGroup);
    } catch (IOException | RuntimeException e) {
      // A node that could not be built keeps neither its admin port nor its store: a rejoin in this process reopens both.
      admin.stop();
      if (store != null) {
        store.close();
      }
      throw e;
    }
  }

  /**
   * Ratis closes the group on a server that finds itself removed from the configuration, and on one
   * whose apply thread failed. Such a node can do nothing more: it stops, as a removed etcd member does,
   * rather than stay up and answer every request with an error.
   */
  private void stopIfRaftClosedTheGroup() {
    if (closing.get()) {
      return;
    }
    String reason = "its Raft server closed the group: the node was removed from the cluster, or it could not apply an entry"
        + " (see the log above). To bring it back, restart it after `./sluice admin add-node " + config.address()
        + "`, or with --rejoin";
    LOG.error("node {} stops: {}", id(), reason);
    Thread stopper = new Thread(() -> {
      try {
        close();
      } finally {
        stoppedItself.complete(reason);
      }
    }, "node-stop");
    stopper.start();
  }

  /** Completes, with the reason, if the node stops by itself (see {@link #stopIfRaftClosedTheGroup}); never on {@link #close}. */
  public CompletableFuture<String> whenStoppedItself() {
    return stoppedItself;
  }

  /**
   * How a node without Raft storage enters its Raft group. A node with storage ignores this: its log
   * holds its configuration.
   */
  public enum Entry {
    /** As a member of the group that {@code peers} lists: the nodes of a new cluster. */
    MEMBER,
    /**
     * As the only listener of a group of its own. The leader's {@code setConfiguration} then sends it
     * the log, as a learner or as a voter (it turns follower when a committed configuration says so).
     * It serves reads and streams from the start, which a learner needs: Ratis 3.3.0 never marks a
     * listener it adds as caught up, so a listener started as {@link #JOIN_AS_VOTER} would never run.
     */
    JOIN,
    /**
     * With an empty group: Ratis' own bootstrap of a new voter. The node stays "initializing" (no
     * election timer, no clients) until the leader has caught it up and committed it as a voter.
     */
    JOIN_AS_VOTER
  }

  /**
   * Starts a node and returns once it accepts connections (it may not have joined a leader yet). A
   * node whose Raft log is damaged, or whose rejoin did not finish, fails to start; with
   * {@code corruptLogPolicy: rejoin} it (re)joins the cluster as a fresh member instead, and returns
   * once the cluster has taken it back.
   */
  public static SluiceNode start(NodeConfig config) {
    return NodeRejoin.startUnderPolicy(config);
  }

  /** Starts a node entering its group as {@code entry} says; returns once it accepts connections. */
  public static SluiceNode start(NodeConfig config, Entry entry) {
    SluiceNode node;
    try {
      node = new SluiceNode(config, entry);
    } catch (IOException e) {
      throw new UncheckedIOException("node " + config.nodeId() + " failed to start", e);
    }
    try {
      node.server.start();
      node.admin.start();
      node.stuckFollowers.start();
      node.promotionDeadlocks.start();
    } catch (IOException | RuntimeException e) {
      node.close();
      throw NodeStartException.of(config, e);
    }
    LOG.info("node {} started: raft/clients on {}, admin on {}, data in {}", config.nodeId(), config.address(),
        config.adminAddress(), config.dataDir());
    return node;
  }

  /** Change-stream calls that arrived and wait for one of the node's stream threads (see {@link StreamCommandService}). */
  int streamCallsWaiting() {
    return streamCommands.callsWaiting();
  }

  /** Ratis' server parameters that add {@link #streamCommands} to its gRPC server. */
  private Parameters streamService() {
    Parameters parameters = new Parameters();
    GrpcConfigKeys.Server.setServicesCustomizer(parameters, streamCommands.customizer());
    return parameters;
  }

  private RaftGroup initialGroup(Entry entry) {
    return switch (entry) {
      case MEMBER -> RaftGroup.valueOf(groupId, config.peers().stream().map(a -> peer(a, RaftPeerRole.FOLLOWER)).toList());
      case JOIN -> RaftGroup.valueOf(groupId, peer(config.address(), RaftPeerRole.LISTENER));
      // Not RaftGroup.emptyGroup(): a server without this group id rejects the leader's appendEntries.
      case JOIN_AS_VOTER -> RaftGroup.valueOf(groupId);
    };
  }

  private static RaftPeer peer(String address, RaftPeerRole role) {
    return RaftPeer.newBuilder().setId(ClusterNaming.peerId(address)).setAddress(address).setStartupRole(role).build();
  }

  public NodeConfig config() {
    return config;
  }

  public String id() {
    return config.nodeId();
  }

  public RaftServer raftServer() {
    return server;
  }

  /** The position of the last entry this node's store applied. */
  public Position appliedPosition() {
    return stateMachine.store().appliedState().position();
  }

  public SluiceStateMachine stateMachine() {
    return stateMachine;
  }

  public String digest() {
    return stateMachine.store().digest();
  }

  public boolean isLeader() {
    return info().map(DivisionInfo::isLeader).orElse(false);
  }

  /** Leader and ready: it has committed an entry of its own term, so it takes writes. */
  public boolean isReadyLeader() {
    return info().map(DivisionInfo::isLeaderReady).orElse(false);
  }

  public NodeStatus status() {
    return status(true, Duration.ofDays(1)).orElseThrow();
  }

  /**
   * This node's status, or empty if the store stays locked for {@code wait} (a snapshot from the
   * leader is replacing it). {@code withDigest} false skips the digest, which reads the whole store.
   */
  public java.util.Optional<NodeStatus> status(boolean withDigest, Duration wait) {
    var division = info();
    String role = division.map(d -> d.getCurrentRole().name()).orElse("STARTING");
    long term = division.map(DivisionInfo::getCurrentTerm).orElse(0L);
    String leader = division.map(DivisionInfo::getLeaderId).map(RaftPeerId::toString).orElse(null);
    var log = raftLog();
    var snapshot = stateMachine.getLatestSnapshot();
    var store = stateMachine.store();
    // Under the read lock: a snapshot installed from the leader may be replacing the store.
    try {
      if (!store.readLock().tryLock(wait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
        return java.util.Optional.empty();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return java.util.Optional.empty();
    }
    try {
      // The position, digest and history under one lock: apply holds the write lock, so they agree.
      Position applied = appliedPosition();
      var history = store.history();
      return java.util.Optional.of(new NodeStatus(id(), config.address(), config.adminAddress(), role, term, leader,
          log.map(RaftLog::getLastCommittedIndex).orElse(0L), applied.index(), applied.term(), withDigest ? digest() : null,
          history.firstIndex().orElse(0), history.lastIndex().orElse(0), history.count(), stateMachine.streams().openCursors(),
          snapshot == null ? 0 : snapshot.getIndex(), log.map(RaftLog::getStartIndex).orElse(0L), store.sessions().count(),
          members(), stateMachine.streams().eventsDelivered(), stateMachine.streams().mostBehind(NodeStatus.STREAMS_SHOWN, System.currentTimeMillis()),
          store.usage()));
    } finally {
      store.readLock().unlock();
    }
  }

  /** The group as this node knows it: the leader first, then the other voters, then the learners, each by address. */
  private java.util.List<Member> members() {
    RaftServer.Division division;
    try {
      division = server.getDivision(groupId);
    } catch (IOException | RuntimeException e) {
      return java.util.List.of();
    }
    RaftPeerId leader = division.getInfo().getLeaderId();
    java.util.Map<String, Long> commits = FollowerProgress.commitIndices(division);
    java.util.List<Member> members = new java.util.ArrayList<>();
    var conf = division.getRaftConf();
    for (RaftPeer p : conf.getCurrentPeers(RaftPeerRole.FOLLOWER)) {
      members.add(new Member(p.getId().toString(), p.getAddress(), p.getId().equals(leader) ? Member.Role.LEADER : Member.Role.FOLLOWER,
          commits.getOrDefault(p.getId().toString(), 0L)));
    }
    for (RaftPeer p : conf.getCurrentPeers(RaftPeerRole.LISTENER)) {
      members.add(new Member(p.getId().toString(), p.getAddress(), Member.Role.LEARNER, commits.getOrDefault(p.getId().toString(), 0L)));
    }
    members.sort(java.util.Comparator.comparing((Member m) -> m.role().ordinal()).thenComparing(Member::address));
    return members;
  }

  StuckFollowerWatch stuckFollowerWatch() {
    return stuckFollowers;
  }

  PromotionDeadlockBreaker promotionDeadlockBreaker() {
    return promotionDeadlocks;
  }

  NodeMetrics metrics() {
    return metrics;
  }

  /**
   * The first and last index of this node's change history (0 when empty), or empty while the store
   * is being replaced by a snapshot from the leader: a metrics scrape must not wait for that.
   */
  java.util.Optional<long[]> historyWindow() {
    var store = stateMachine.store();
    if (!store.readLock().tryLock()) {
      return java.util.Optional.empty();
    }
    try {
      var history = store.history();
      return java.util.Optional.of(new long[] {history.firstIndex().orElse(0), history.lastIndex().orElse(0)});
    } finally {
      store.readLock().unlock();
    }
  }

  /** The store's file and its maintenance, or empty while the store is being replaced (as {@link #historyWindow}). */
  java.util.Optional<io.sluice.statemachine.storage.StoreUsage> storeUsage() {
    var store = stateMachine.store();
    if (!store.readLock().tryLock()) {
      return java.util.Optional.empty();
    }
    try {
      return java.util.Optional.of(store.usage());
    } finally {
      store.readLock().unlock();
    }
  }

  /** The last log index applied here, Raft's own entries (configuration, commit metadata) included. */
  long lastAppliedIndex() {
    return stateMachine.getLastAppliedTermIndex().getIndex();
  }

  java.util.Optional<RaftLog> raftLog() {
    try {
      return java.util.Optional.of(server.getDivision(groupId).getRaftLog());
    } catch (IOException | RuntimeException e) {
      return java.util.Optional.empty();
    }
  }

  java.util.Optional<DivisionInfo> info() {
    try {
      return java.util.Optional.of(server.getDivision(groupId).getInfo());
    } catch (IOException | RuntimeException e) {
      return java.util.Optional.empty();
    }
  }

  /** Stops the node; a second caller (the node stopping itself, say) returns once the first is done. */
  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      closed.join();
      return;
    }
    try {
      stuckFollowers.close();
      admin.stop();
      try {
        server.close();
      } catch (IOException e) {
        LOG.warn("closing the Raft server of {} failed", id(), e);
      }
      promotionDeadlocks.close(); // after the server: a deadlock formed while it closes would hang the close
      streamCommands.close();
      stateMachine.store().close();
      LOG.info("node {} stopped", id());
    } finally {
      closed.complete(null);
    }
  }
}
