package io.sluice.chaos.nemesis;

import io.sluice.chaos.cluster.ChaosCluster;
import io.sluice.chaos.cluster.ChaosNode;
import io.sluice.chaos.cluster.Firewall;
import io.sluice.chaos.cluster.NodeStatus;
import io.sluice.chaos.history.History;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.apache.ratis.protocol.RaftClientReply;
import org.awaitility.Awaitility;

/**
 * Injects one fault at a time into a {@link ChaosCluster} and heals it, recording both in the
 * history. Every choice (which fault, which node, which halves) comes from one seeded random, so
 * a seed replays the same sequence of faults.
 */
public final class Nemesis {
  private final ChaosCluster cluster;
  private final History history;
  private final Random random;
  private final Supplier<String> streamNode;
  private final List<ChaosNode> stopped = new ArrayList<>();
  private final List<ChaosNode> paused = new ArrayList<>();
  private final List<ChaosNode> removed = new ArrayList<>();
  private final List<ChaosNode> wiped = new ArrayList<>();

  /** {@code streamNode} gives the address of the node a stream consumer reads from, or null. */
  public Nemesis(ChaosCluster cluster, History history, long seed, Supplier<String> streamNode) {
    this.cluster = cluster;
    this.history = history;
    this.random = new Random(seed);
    this.streamNode = streamNode;
  }

  /** Picks one of {@code faults} with the seeded random. */
  public Fault pick(List<Fault> faults) {
    return faults.get(random.nextInt(faults.size()));
  }

  public void inject(Fault fault) {
    String what = switch (fault) {
      case KILL_LEADER -> kill(leader());
      case KILL_FOLLOWER -> kill(follower());
      case KILL_STREAM_NODE -> kill(streamNodeOrFollower());
      case PAUSE_LEADER -> pause(leader());
      case PAUSE_FOLLOWER -> pause(follower());
      case ISOLATE_LEADER -> isolate(leader());
      case SPLIT_HALVES -> splitHalves();
      case MAJORITY_RING -> majorityRing();
      case ONE_WAY_FROM_LEADER -> oneWayFrom(leader());
      case TRANSFER_LEADER -> transferLeadership();
      case WIPE_FOLLOWER -> wipe(follower());
      case KILL_DURING_SNAPSHOT -> killDuringSnapshot(random.nextBoolean() ? leader() : follower());
      case REMOVE_FOLLOWER -> removeMember(follower());
    };
    history.fault(fault + ": " + what);
  }

  /**
   * Undoes every fault: heals the network, resumes and restarts nodes, and waits until every node
   * has applied what the leader had committed once it was back.
   */
  public void heal() {
    if (!removed.isEmpty()) {
      // Ratis closes the Raft group on a server that learns it was removed: restart it, then add it.
      for (ChaosNode node : removed) {
        node.kill();
        node.start();
      }
      RaftClientReply reply = cluster.setMembers(cluster.nodes());
      history.fault("added back " + removed + (reply.isSuccess() ? "" : " (failed: " + reply.getException() + ")"));
      removed.clear();
    }
    cluster.firewall().heal();
    paused.forEach(ChaosNode::resume);
    paused.clear();
    stopped.forEach(ChaosNode::start);
    stopped.clear();
    wiped.forEach(ChaosNode::startRejoining);
    wiped.clear();
    history.fault("healed");
    long committed = cluster.status(leader()).map(NodeStatus::commitIndex).orElse(0L);
    Awaitility.await("every node to apply index " + committed + " after healing").atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(250)).failFast("a node died by itself", this::noNodeDiedByItself)
        .until(() -> cluster.hasCaughtUpTo(committed));
    history.fault("caught up to index " + committed);
  }

  /** Every node runs once healed: one that does not has died by itself, which is a finding, not a slow heal. */
  private void noNodeDiedByItself() {
    for (ChaosNode node : cluster.nodes()) {
      node.exit().ifPresent(exit -> {
        throw new AssertionError(node + " is no longer running: " + exit + "; " + node.logExcerpt(6));
      });
    }
  }

  private String kill(ChaosNode node) {
    node.kill();
    stopped.add(node);
    return "killed " + node;
  }

  private String wipe(ChaosNode node) {
    node.killAndWipe();
    wiped.add(node);
    return "killed and wiped " + node + " (it rejoins with --rejoin when healed)";
  }

  private String killDuringSnapshot(ChaosNode node) {
    CompletableFuture<String> snapshot = CompletableFuture.supplyAsync(() -> {
      try {
        RaftClientReply reply = cluster.takeSnapshot(node);
        return reply.isSuccess() ? "snapshot at " + reply.getLogIndex() : "snapshot refused: " + reply.getException();
      } catch (UncheckedIOException e) {
        return "snapshot call failed: " + e.getCause();
      }
    });
    int delayMillis = random.nextInt(40);
    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(delayMillis));
    node.kill();
    stopped.add(node);
    String outcome = snapshot.completeOnTimeout("snapshot call still running", 25, TimeUnit.SECONDS).join();
    return "asked " + node + " for a snapshot and killed it " + delayMillis + " ms later (" + outcome + ")";
  }

  private String removeMember(ChaosNode node) {
    List<ChaosNode> others = cluster.nodes().stream().filter(n -> n != node).toList();
    RaftClientReply reply = cluster.setMembers(others);
    if (reply.isSuccess()) {
      removed.add(node);
      return "removed " + node + " from the members";
    }
    return "tried to remove " + node + " from the members: " + reply.getException();
  }

  private String pause(ChaosNode node) {
    node.pause();
    paused.add(node);
    return "paused " + node;
  }

  private String transferLeadership() {
    ChaosNode from = leader();
    ChaosNode to = follower();
    try {
      RaftClientReply reply = cluster.transferLeadership(to);
      return "moved the leadership from " + from + " to " + to
          + (reply.isSuccess() ? "" : " (refused: " + reply.getException() + ")");
    } catch (UncheckedIOException e) {
      // The group may have elected someone else meanwhile: the attempt is the fault either way.
      return "tried to move the leadership from " + from + " to " + to + ": " + e.getCause();
    }
  }

  private String isolate(ChaosNode node) {
    List<String> others = hostsExcept(node);
    cluster.firewall().apply(Firewall.between(List.of(node.host()), others));
    return "isolated " + node;
  }

  private String oneWayFrom(ChaosNode node) {
    cluster.firewall().apply(hostsExcept(node).stream().map(h -> new Firewall.Cut(node.host(), h)).toList());
    return "dropped traffic from " + node + " to the others";
  }

  private String splitHalves() {
    List<String> hosts = new ArrayList<>(cluster.nodes().stream().map(ChaosNode::host).toList());
    Collections.shuffle(hosts, random);
    List<String> small = hosts.subList(0, hosts.size() / 2);
    List<String> large = hosts.subList(hosts.size() / 2, hosts.size());
    cluster.firewall().apply(Firewall.between(small, large));
    return "split " + small + " from " + large;
  }

  private String majorityRing() {
    List<ChaosNode> nodes = cluster.nodes();
    int n = nodes.size();
    List<Firewall.Cut> cuts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        int distance = Math.min(Math.abs(i - j), n - Math.abs(i - j));
        if (distance > 1) {
          cuts.add(new Firewall.Cut(nodes.get(i).host(), nodes.get(j).host()));
        }
      }
    }
    cluster.firewall().apply(cuts);
    // With 5 nodes each sees itself and two neighbours, a majority; with 3 it is no fault at all.
    return "ring: each node sees only its two neighbours";
  }

  private List<String> hostsExcept(ChaosNode node) {
    return cluster.nodes().stream().filter(n -> n != node).map(ChaosNode::host).toList();
  }

  private ChaosNode leader() {
    Optional<ChaosNode> leader = Awaitility.await("a leader").atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200)).until(cluster::leader, Optional::isPresent);
    return leader.get();
  }

  private ChaosNode follower() {
    ChaosNode leader = leader();
    List<ChaosNode> followers = cluster.nodes().stream().filter(n -> n != leader).toList();
    return followers.get(random.nextInt(followers.size()));
  }

  private ChaosNode streamNodeOrFollower() {
    String address = streamNode.get();
    return cluster.nodes().stream().filter(n -> n.address().equals(address)).findFirst().orElseGet(this::follower);
  }
}
