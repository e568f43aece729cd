package io.sluice.node.admin;

import io.sluice.client.ConnectionString;
import io.sluice.client.NodeDescription;
import io.sluice.client.SluiceClient;
import io.sluice.protocol.ClusterNaming;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.LogInfoProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.ReconfigurationInProgressException;
import org.apache.ratis.protocol.exceptions.ReconfigurationTimeoutException;
import org.apache.ratis.protocol.exceptions.SetConfigurationException;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Membership and Raft administration of a running cluster, over Ratis' admin APIs. Every operation
 * reads the configuration from the leader first and changes it with a compare-and-set
 * {@code setConfiguration} of that configuration, so two admins racing cannot undo each other; each
 * returns once the change is committed, or throws {@link AdminException} by the operation's deadline.
 *
 * <p>Not thread-safe: one operation at a time.
 */
public final class ClusterAdmin implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterAdmin.class);
  private static final long PAUSE_MS = 200;
  private static final int TRANSFER_TRIES = 5;
  /**
   * How long one transfer may take: the target catching up and winning an election. The leader
   * refuses writes meanwhile, so it is short; a transfer that needs longer is tried again.
   */
  private static final long TRANSFER_ATTEMPT_MS = 3_000;

  private final ConnectionString connection;
  private final RaftGroupId groupId;
  private final Duration timeout;
  private final AdminRetryPolicy retry = new AdminRetryPolicy();
  private final RaftClient raft;
  /** Every node heard of, by id: the connection's, then members learned from the leader. */
  private final Map<RaftPeerId, RaftPeer> known = new LinkedHashMap<>();
  private long deadlineNanos;

  /** @param timeout how long one operation may take, retries and a new member's catching up included */
  public ClusterAdmin(ConnectionString connection, Duration timeout) {
    this.timeout = timeout;
    this.connection = connection;
    RaftGroup group = connection.raftGroup();
    this.groupId = group.getGroupId();
    group.getPeers().forEach(p -> known.put(p.getId(), p));
    RaftProperties properties = new RaftProperties();
    // One admin RPC may wait for a new member to catch up; the operation's own deadline bounds the rest.
    RaftClientConfigKeys.Rpc.setRequestTimeout(properties, TimeDuration.valueOf(10, TimeUnit.SECONDS));
    this.raft = RaftClient.newBuilder().setRaftGroup(group).setProperties(properties).setRetryPolicy(retry).build();
  }

  /** @throws IllegalArgumentException if the connection string is malformed */
  public static ClusterAdmin connect(String connectionString, Duration timeout) {
    return new ClusterAdmin(ConnectionString.parse(connectionString), timeout);
  }

  /** Every member with its role, as the leader sees them: the leader, the other voters, the learners. */
  public List<Member> members() {
    startOperation();
    return leaderView().members();
  }

  /**
   * Adds the node at {@code address} as a voter, or as a learner (a Ratis listener), and returns once
   * the configuration with it is committed, which for a voter means the leader has caught it up. The
   * node must be running in join mode. A learner can be promoted to a voter this way; a voter cannot
   * be made a learner in place (Ratis has no such transition).
   */
  public void addNode(String address, boolean learner) {
    RaftPeerId id = peerId(address);
    startOperation();
    changeConfiguration("add " + address + (learner ? " as a learner" : " as a voter"), view -> {
      if (learner ? view.isListener(id) : view.isVoter(id)) {
        return Optional.empty();
      }
      if (learner && view.isVoter(id)) {
        throw AdminException.badInput(address + " is a voter; Ratis cannot turn a voter into a learner: remove it and add a fresh node");
      }
      List<RaftPeer> voters = new ArrayList<>(view.votersWithout(id));
      List<RaftPeer> listeners = new ArrayList<>(view.listenersWithout(id));
      RaftPeer peer = RaftPeer.newBuilder().setId(id).setAddress(address)
          .setStartupRole(learner ? RaftPeerRole.LISTENER : RaftPeerRole.FOLLOWER).build();
      (learner ? listeners : voters).add(peer);
      raft.getClientRpc().addRaftPeers(List.of(peer));
      return Optional.of(new Change(voters, listeners));
    });
  }

  /** Removes a voter or a learner; refuses an address that is not a member, and the last voter. */
  public void removeNode(String address) {
    RaftPeerId id = peerId(address);
    startOperation();
    GroupView first = leaderView();
    if (!first.isMember(id)) {
      throw AdminException.badInput(address + " is not a member of the cluster (" + first.describe() + ")");
    }
    changeConfiguration("remove " + address, view -> {
      if (!view.isMember(id)) {
        return Optional.empty();
      }
      if (view.isVoter(id) && view.voters().size() == 1) {
        throw AdminException.badInput(address + " is the last voter; the cluster cannot lose it (add another voter first)");
      }
      return Optional.of(new Change(view.votersWithout(id), view.listenersWithout(id)));
    });
  }

  /**
   * Makes the voter at {@code address} the leader. Ratis only transfers to a voter of the highest
   * priority; if another voter has a higher one, all voters' priorities are made equal first (rather
   * than raising the target's, which would pull leadership back to it after every later election).
   */
  public void transferLeader(String address) {
    RaftPeerId id = peerId(address);
    startOperation();
    GroupView view = leaderView();
    if (!view.isVoter(id)) {
      throw AdminException.badInput(address + " is not a voter (" + view.describe() + "); only a voter can lead");
    }
    if (id.equals(view.leader())) {
      return;
    }
    if (!answers(id)) {
      // Not only quicker: Ratis 3.3.0 can leave a leader refusing writes after a transfer to a node that is down (see below).
      throw AdminException.failed("transfer of leadership to " + address + " failed: the node does not answer (is it running?)", null);
    }
    int targetPriority = view.voters().stream().filter(p -> p.getId().equals(id)).findFirst().orElseThrow().getPriority();
    if (view.voters().stream().anyMatch(p -> p.getPriority() > targetPriority)) {
      changeConfiguration("make voters' priorities equal", v -> v.voters().stream().map(RaftPeer::getPriority).distinct().count() <= 1
          ? Optional.empty()
          : Optional.of(new Change(v.voters().stream().map(p -> withPriority(p, 0)).toList(), v.listeners())));
    }
    // To the leader just found, not the client's own guess. A transfer fails (DIFFERENT_LEADER) when
    // another election wins meanwhile, or when the node asked was deposed already: then whoever
    // leads now is asked again, a few times, within the operation's deadline.
    int tries = 0;
    long steppingDownSince = 0;
    for (RaftPeerId leader = view.leader(); !id.equals(leader); leader = leaderView().leader()) {
      Exception failure = transferFrom(leader, id);
      if (failure == null) {
        break;
      }
      boolean steppingDown = Causes.inChain(failure, LeaderSteppingDownException.class);
      if (steppingDown && steppingDownSince == 0) {
        steppingDownSince = System.nanoTime();
      }
      if (steppingDown && System.nanoTime() - steppingDownSince > TimeUnit.MILLISECONDS.toNanos(TRANSFER_ATTEMPT_MS)) {
        // The leader refuses even to be asked, because a transfer is pending (another admin's), and
        // has been for longer than any transfer may take. Ratis 3.3.0 leaves one pending for good
        // when its first StartLeaderElection to the target fails at once (TransferLeadership.start
        // completes the request without clearing it, and sets no timeout); the leader then refuses
        // every write until leadership changes: so make it change.
        stepDown(leader);
        steppingDownSince = 0;
      }
      if ((!steppingDown && ++tries == TRANSFER_TRIES) || remainingMillis() < PAUSE_MS) {
        throw AdminException.failed("transfer of leadership to " + address + " failed: " + Causes.rootMessage(failure), failure);
      }
      pause();
    }
    awaitCondition("leadership to move to " + address, () -> id.equals(leaderView().leader()));
  }

  /**
   * Asks a node (the leader if {@code address} is null) to take a snapshot now, and waits until one
   * that holds every write the node had applied when asked is on disk. A node writes a snapshot in
   * the background: an ask starts one, or waits for the one being written, or collects one written
   * before; the last two may be older than the ask, and then it asks again.
   *
   * @return the index of that snapshot
   */
  public long snapshot(String address) {
    startOperation();
    GroupView view = leaderView();
    RaftPeer target;
    if (address == null) {
      target = known.get(view.leader());
    } else {
      RaftPeerId id = peerId(address);
      if (!view.isMember(id)) {
        throw AdminException.badInput(address + " is not a member of the cluster (" + view.describe() + ")");
      }
      target = known.get(id);
    }
    long needed = storeAppliedIndex(target);
    if (needed <= 0) {
      throw AdminException.badInput(target.getAddress() + " has applied no write yet: there is nothing to snapshot");
    }
    try {
      while (true) {
        long before = latestSnapshot(target);
        RaftClientReply reply = raft.getSnapshotManagementApi(target.getId()).create(true, remainingMillis());
        if (!reply.isSuccess()) {
          throw AdminException.failed("snapshot on " + target.getAddress() + " failed: " + reply.getException(), reply.getException());
        }
        long index = reply.getLogIndex();
        if (index < 0) {
          awaitCondition("the snapshot on " + target.getAddress() + " to be written", () -> latestSnapshot(target) > before);
          index = latestSnapshot(target);
        }
        if (index >= needed) {
          return index;
        }
        checkDeadline("a snapshot on " + target.getAddress() + " holding index " + needed, null);
        pause();
      }
    } catch (IOException e) {
      throw AdminException.failed("snapshot on " + target.getAddress() + " failed: " + Causes.rootMessage(e), e);
    }
  }

  /** How far the node's store has applied the log, as the node says ({@code hello}); asks until the deadline. */
  private long storeAppliedIndex(RaftPeer node) {
    try (SluiceClient client = SluiceClient.connect(new ConnectionString(List.of(node.getAddress()), connection.clusterName(),
        Duration.ofMillis(Math.max(1, remainingMillis()))))) {
      while (true) {
        NodeDescription self = client.describeNodes().get(0);
        if (self.reachable()) {
          return self.appliedIndex();
        }
        checkDeadline("asking " + node.getAddress() + " how far it has applied", null);
        pause();
      }
    }
  }

  /** Asks {@code leader} to hand leadership to {@code target}: null if it did, else why not. */
  private Exception transferFrom(RaftPeerId leader, RaftPeerId target) {
    try {
      RaftClientReply reply = raft.admin().transferLeadership(target, leader, Math.max(1, Math.min(remainingMillis(), TRANSFER_ATTEMPT_MS)));
      return reply.isSuccess() ? null : reply.getException();
    } catch (IOException e) {
      return e;
    }
  }

  /** Asks the leader to step down (an election follows); failures are only logged: the caller goes on either way. */
  private void stepDown(RaftPeerId leader) {
    LOG.warn("{} still refuses writes after a failed leadership transfer; asking it to step down", leader);
    try {
      RaftClientReply reply = raft.admin().transferLeadership(null, leader, Math.max(1, Math.min(remainingMillis(), 10_000)));
      if (!reply.isSuccess()) {
        LOG.warn("{} did not step down: {}", leader, reply.getException());
      }
    } catch (IOException e) {
      LOG.warn("{} did not step down: {}", leader, Causes.rootMessage(e));
    }
  }

  /** Whether the node answers a group-info request for this cluster's group. */
  private boolean answers(RaftPeerId node) {
    try {
      return raft.getGroupManagementApi(node).info(groupId).isSuccess();
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** The index of the node's newest complete snapshot, -1 if none or if the node does not answer. */
  private long latestSnapshot(RaftPeer node) {
    try {
      LogInfoProto log = raft.getGroupManagementApi(node.getId()).info(groupId).getLogInfoProto();
      return log.hasLastSnapshot() ? log.getLastSnapshot().getIndex() : -1;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static RaftPeer withPriority(RaftPeer p, int priority) {
    return RaftPeer.newBuilder().setId(p.getId()).setAddress(p.getAddress()).setAdminAddress(p.getAdminAddress())
        .setClientAddress(p.getClientAddress()).setDataStreamAddress(p.getDataStreamAddress())
        .setStartupRole(p.getStartupRole()).setPriority(priority).build();
  }

  /** A new configuration: voters and listeners (learners). */
  private record Change(List<RaftPeer> voters, List<RaftPeer> listeners) {}

  /**
   * Reads the leader's configuration, asks {@code plan} for the change (empty: already done) and sets
   * it with compare-and-set; re-reads and tries again while another change is under way or the
   * configuration moved under it.
   */
  private void changeConfiguration(String what, Function<GroupView, Optional<Change>> plan) {
    while (true) {
      GroupView view = leaderView();
      if (view.stable()) {
        Optional<Change> change = plan.apply(view);
        if (change.isEmpty()) {
          LOG.debug("{}: done ({})", what, view.describe());
          return;
        }
        LOG.debug("{}: setting voters {} and learners {}", what, change.get().voters(), change.get().listeners());
        try {
          RaftClientReply reply = raft.admin().setConfiguration(SetConfigurationRequest.Arguments.newBuilder()
              .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET)
              .setServersInCurrentConf(view.voters()).setListenersInCurrentConf(view.listeners())
              .setServersInNewConf(change.get().voters()).setListenersInNewConf(change.get().listeners()).build());
          if (reply.isSuccess()) {
            continue; // committed: the next read sees it, and the plan says done
          }
          LOG.debug("{}: not done yet: {}", what, reply.getException());
        } catch (IOException e) {
          if (Causes.inChain(e, ReconfigurationTimeoutException.class)) {
            throw AdminException.failed(what + " failed: the new member made no progress catching up (is it running, with join: true,"
                + " and reachable from the leader?): " + Causes.rootMessage(e), e);
          }
          if (Causes.inChain(e, SetConfigurationException.class) && sameMembers(leaderView(), view)) {
            // Not a configuration that moved under us (compare-and-set), so trying again cannot help.
            throw AdminException.failed(what + " was refused: " + Causes.rootMessage(e), e);
          }
          if (!Causes.inChain(e, ReconfigurationInProgressException.class) && !Causes.inChain(e, SetConfigurationException.class)) {
            checkDeadline(what, e);
          }
          LOG.debug("{}: trying again: {}", what, Causes.rootMessage(e));
        }
      }
      checkDeadline(what, null);
      pause();
    }
  }

  /** The configuration as the current leader reports it; waits for a leader until the deadline. */
  private GroupView leaderView() {
    String lastProblem = "no node answered";
    while (true) {
      for (RaftPeer peer : List.copyOf(known.values())) {
        try {
          GroupInfoReply info = raft.getGroupManagementApi(peer.getId()).info(groupId);
          RoleInfoProto role = info.getRoleInfoProto();
          if (role.getRole() == RaftPeerRole.LEADER) {
            GroupView view = GroupView.of(info);
            learn(view.voters());
            learn(view.listeners());
            if (view.isVoter(view.leader())) {
              return view;
            }
            // A leader that removed itself leads only until it steps down: wait for the next one.
            lastProblem = peer.getAddress() + " is a leader stepping down (no longer a member)";
            continue;
          }
          if (role.hasFollowerInfo() && role.getFollowerInfo().getLeaderInfo().hasId()) {
            learn(List.of(org.apache.ratis.util.ProtoUtils.toRaftPeer(role.getFollowerInfo().getLeaderInfo().getId())));
          }
          lastProblem = peer.getAddress() + " is " + role.getRole() + " and knows no leader";
        } catch (IOException | RuntimeException e) {
          lastProblem = peer.getAddress() + ": " + Causes.rootMessage(e);
        }
      }
      if (remainingMillis() <= 0) {
        throw AdminException.failed("no leader found at " + addresses() + " within " + timeout.toSeconds() + " s; last: " + lastProblem, null);
      }
      pause();
    }
  }

  private void learn(List<RaftPeer> peers) {
    List<RaftPeer> fresh = peers.stream().filter(p -> !p.getAddress().isEmpty() && !known.containsKey(p.getId())).toList();
    fresh.forEach(p -> known.put(p.getId(), p));
    if (!fresh.isEmpty()) {
      raft.getClientRpc().addRaftPeers(fresh);
    }
  }

  private void awaitCondition(String what, java.util.function.BooleanSupplier done) {
    while (!done.getAsBoolean()) {
      checkDeadline("waiting for " + what, null);
      pause();
    }
  }

  private void startOperation() {
    deadlineNanos = System.nanoTime() + timeout.toNanos();
    retry.retryUntil(deadlineNanos);
  }

  private long remainingMillis() {
    return TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
  }

  private void checkDeadline(String what, Throwable cause) {
    if (remainingMillis() <= 0) {
      throw AdminException.failed(what + " did not finish within " + timeout.toSeconds() + " s"
          + (cause == null ? "" : ": " + Causes.rootMessage(cause)), cause);
    }
  }

  private String addresses() {
    return known.values().stream().map(RaftPeer::getAddress).toList().toString();
  }

  /** The peer id of {@code address}, after checking it is host:port. */
  static RaftPeerId peerId(String address) {
    int colon = address == null ? -1 : address.lastIndexOf(':');
    String port = colon < 0 ? "" : address.substring(colon + 1);
    if (colon <= 0 || !port.matches("\\d{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535
        || address.substring(0, colon).isBlank() || address.matches(".*[\\s,/].*")) {
      throw AdminException.badInput("'" + address + "' is not host:port");
    }
    return RaftPeerId.valueOf(ClusterNaming.peerId(address));
  }

  private static boolean sameMembers(GroupView a, GroupView b) {
    return ids(a.voters()).equals(ids(b.voters())) && ids(a.listeners()).equals(ids(b.listeners()));
  }

  private static java.util.Set<RaftPeerId> ids(List<RaftPeer> peers) {
    return peers.stream().map(RaftPeer::getId).collect(java.util.stream.Collectors.toSet());
  }

  private static void pause() {
    try {
      Thread.sleep(PAUSE_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw AdminException.failed("interrupted", e);
    }
  }

  @Override
  public void close() {
    try {
      raft.close();
    } catch (IOException e) {
      LOG.warn("closing the admin's Raft client failed", e);
    }
  }
}
