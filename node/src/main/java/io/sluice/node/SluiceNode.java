package io.sluice.node;

import io.sluice.protocol.ClusterNaming;
import io.sluice.protocol.Position;
import io.sluice.statemachine.SluiceStateMachine;
import io.sluice.statemachine.storage.MapDbDocumentStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
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

  private SluiceNode(NodeConfig config) throws IOException {
    this.config = config;
    this.groupId = RaftGroupId.valueOf(ClusterNaming.groupId(config.cluster()));
    List<RaftPeer> peers = config.peers().stream()
        .map(a -> RaftPeer.newBuilder().setId(ClusterNaming.peerId(a)).setAddress(a).build()).toList();
    MapDbDocumentStore store = MapDbDocumentStore.open(config.dataDir().resolve("store"), config.storeFsync());
    this.stateMachine = new SluiceStateMachine(store, System::currentTimeMillis, config.staleReadWait(), config.streams());
    boolean formatted = java.nio.file.Files.exists(config.dataDir().resolve("raft").resolve(groupId.getUuid().toString()));
    this.server = RaftServer.newBuilder()
        .setServerId(RaftPeerId.valueOf(config.nodeId()))
        .setGroup(RaftGroup.valueOf(groupId, peers))
        .setStateMachine(stateMachine)
        .setProperties(RaftSettings.of(config))
        .setOption(formatted ? RaftStorage.StartupOption.RECOVER : RaftStorage.StartupOption.FORMAT)
        .build();
    this.admin = new AdminHttpServer(config.adminAddress(), this);
  }

  /** Starts a node and returns once it accepts connections (it may not have joined a leader yet). */
  public static SluiceNode start(NodeConfig config) {
    try {
      SluiceNode node = new SluiceNode(config);
      node.server.start();
      node.admin.start();
      LOG.info("node {} started: raft/clients on {}, admin on {}, data in {}", config.nodeId(), config.address(),
          config.adminAddress(), config.dataDir());
      return node;
    } catch (IOException e) {
      throw new UncheckedIOException("node " + config.nodeId() + " failed to start", e);
    }
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

  public NodeStatus status() {
    Position applied = appliedPosition();
    var division = info();
    String role = division.map(d -> d.getCurrentRole().name()).orElse("STARTING");
    long term = division.map(DivisionInfo::getCurrentTerm).orElse(0L);
    String leader = division.map(DivisionInfo::getLeaderId).map(RaftPeerId::toString).orElse(null);
    long commit = division.isPresent() ? commitIndex() : 0;
    var history = stateMachine.store().history();
    return new NodeStatus(id(), config.address(), config.adminAddress(), role, term, leader, commit,
        applied.index(), applied.term(), digest(), history.firstIndex().orElse(0), history.lastIndex().orElse(0),
        history.count(), stateMachine.streams().openCursors());
  }

  private long commitIndex() {
    try {
      return server.getDivision(groupId).getRaftLog().getLastCommittedIndex();
    } catch (IOException e) {
      return 0;
    }
  }

  private java.util.Optional<DivisionInfo> info() {
    try {
      return java.util.Optional.of(server.getDivision(groupId).getInfo());
    } catch (IOException | RuntimeException e) {
      return java.util.Optional.empty();
    }
  }

  @Override
  public void close() {
    admin.stop();
    try {
      server.close();
    } catch (IOException e) {
      LOG.warn("closing the Raft server of {} failed", id(), e);
    }
    stateMachine.store().close();
    LOG.info("node {} stopped", id());
  }
}
