package io.sluice.node;

import io.sluice.client.ConnectionString;
import io.sluice.node.admin.ClusterAdmin;
import io.sluice.node.admin.Member;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code sluice node --rejoin}: brings back a node whose disk was lost or damaged as a fresh member.
 * Restarting it empty is not enough: the leader keeps the node's old match index and sends it only
 * entries after it, so it never catches up. Removing it from the configuration and adding it back
 * makes the leader start it over from the beginning of the log.
 */
public final class NodeRejoin {
  private static final Logger LOG = LoggerFactory.getLogger(NodeRejoin.class);
  /** How long a rejoin waits for the cluster to remove the node and take it back. */
  public static final Duration TIMEOUT = Duration.ofMinutes(5);
  /** The file in the data directory that says a rejoin began and did not finish. */
  private static final String PENDING = "rejoin-pending";
  private static final String LEARNER = "learner";

  private NodeRejoin() {}

  /**
   * Removes the node's address from the cluster (through the other peers of its configuration), wipes
   * its Raft log and store, starts it with no membership and has it added back in the role it had (a
   * voter if it was no member). Returns the running node once the cluster has taken it back. Nothing is
   * wiped until the cluster has removed the node, and a marker file says a rejoin is under way until it
   * is done, so that a crash meanwhile does not bring the node back as an empty member.
   */
  public static SluiceNode rejoin(NodeConfig config, Duration timeout) {
    return rejoin(config, timeout, null);
  }

  /**
   * Starts a node (as a member, or to join if its config says so) under its {@code corruptLogPolicy}:
   * a node whose log is damaged, or whose rejoin did not finish, fails to start saying what to do, or
   * with policy {@code rejoin} rejoins.
   */
  static SluiceNode startUnderPolicy(NodeConfig config) {
    boolean rejoinPolicy = config.durability().corruptLogPolicy() == Durability.CorruptLogPolicy.REJOIN;
    if (pending(config)) {
      if (!rejoinPolicy) {
        throw new IllegalStateException(unfinished(config));
      }
      LOG.warn("{} corruptLogPolicy is rejoin: running it again", unfinished(config));
      return rejoin(config, TIMEOUT);
    }
    try {
      return SluiceNode.start(config, config.join() ? SluiceNode.Entry.JOIN : SluiceNode.Entry.MEMBER);
    } catch (NodeStartException e) {
      if (!e.damagedLog() || !rejoinPolicy) {
        throw e;
      }
      return rejoinAfterDamage(config, TIMEOUT, e);
    }
  }

  /**
   * For {@code corruptLogPolicy: rejoin}: rejoins a node whose log is damaged. A node that is no member
   * (an operator removed it) is not added back: {@code damage} is thrown, as it is with the reason if
   * the rejoin fails.
   */
  private static SluiceNode rejoinAfterDamage(NodeConfig config, Duration timeout, NodeStartException damage) {
    LOG.warn("{} corruptLogPolicy is rejoin: node {} rejoins the cluster as a fresh member", damage.getMessage(), config.nodeId());
    try {
      return rejoin(config, timeout, damage);
    } catch (RuntimeException e) {
      if (e == damage) {
        throw e;
      }
      IllegalStateException failed = new IllegalStateException(damage.getMessage() + " corruptLogPolicy is rejoin, and rejoining failed: "
          + e.getMessage(), e);
      failed.addSuppressed(damage);
      throw failed;
    }
  }

  /** Whether a rejoin of this node began and did not finish. */
  private static boolean pending(NodeConfig config) {
    return Files.exists(config.dataDir().resolve(PENDING));
  }

  /** The role (learner: true) of a node whose rejoin began and did not finish; empty if none did. */
  private static Optional<Boolean> pendingRole(NodeConfig config) {
    try {
      return pending(config) ? Optional.of(Files.readString(config.dataDir().resolve(PENDING)).strip().equals(LEARNER))
          : Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the rejoin mark of " + config.address() + " in " + config.dataDir(), e);
    }
  }

  /** What to tell an operator whose node has an unfinished rejoin. */
  private static String unfinished(NodeConfig config) {
    return "node " + config.nodeId() + ": a rejoin began and did not finish (" + config.dataDir().resolve(PENDING) + " exists): the node"
        + " may no longer be a member and its data may be wiped. Run the rejoin again: sluice node --config FILE --rejoin"
        + " (./sluice cluster rejoin N for a local cluster). If `sluice admin members` still lists the node and its raft/"
        + " directory is intact, deleting that file and starting it is safe too.";
  }

  private static SluiceNode rejoin(NodeConfig config, Duration timeout, NodeStartException damage) {
    String address = config.address();
    List<String> others = config.peers().stream().filter(p -> !p.equals(address)).toList();
    try (ClusterAdmin admin = new ClusterAdmin(new ConnectionString(others, config.cluster(), Duration.ofSeconds(15)), timeout)) {
      Optional<Member> member = admin.members().stream().filter(m -> m.address().equals(address)).findFirst();
      Optional<Boolean> pendingAsLearner = pendingRole(config);
      if (member.isEmpty() && damage != null && pendingAsLearner.isEmpty()) {
        throw damage;
      }
      // A rerun finds the node removed: the mark keeps the role it had.
      boolean learner = member.map(m -> m.role() == Member.Role.LEARNER).or(() -> pendingAsLearner).orElse(false);
      markPending(config, learner);
      if (member.isPresent()) {
        // Before the node starts: a running follower that the leader drops would call an election,
        // find itself outside the configuration and shut down.
        LOG.info("rejoin 1/4: removing {} ({}) from the cluster", address, member.get().role());
        try {
          admin.removeNode(address);
        } catch (RuntimeException e) {
          // Nothing is wiped yet and the node is still a member: it may start as it is.
          clearPending(config);
          throw e;
        }
      } else {
        LOG.info("rejoin 1/4: {} is not a member; it will be added as a {}", address, learner ? "learner" : "voter");
      }
      LOG.info("rejoin 2/4: deleting the Raft log and the store of {} in {}", address, config.dataDir());
      wipe(config.dataDir());

      LOG.info("rejoin 3/4: starting {} with no membership", address);
      SluiceNode node = SluiceNode.start(config, learner ? SluiceNode.Entry.JOIN : SluiceNode.Entry.JOIN_AS_VOTER);
      try {
        LOG.info("rejoin 4/4: adding {} back as a {}; the leader sends it the whole log", address, learner ? "learner" : "voter");
        admin.addNode(address, learner);
      } catch (RuntimeException e) {
        node.close();
        throw e;
      }
      clearPending(config);
      LOG.info("rejoin done: {} is a {} again", address, learner ? "learner" : "voter");
      return node;
    }
  }

  /** Writes the mark, with the node's role, and makes it durable before the cluster is asked to remove the node. */
  private static void markPending(NodeConfig config, boolean learner) {
    try {
      Files.createDirectories(config.dataDir());
      Path mark = config.dataDir().resolve(PENDING);
      try (FileChannel file = FileChannel.open(mark, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        file.write(ByteBuffer.wrap((learner ? LEARNER : "voter").getBytes(StandardCharsets.UTF_8)));
        file.force(true);
      }
      try (FileChannel dir = FileChannel.open(config.dataDir(), StandardOpenOption.READ)) {
        dir.force(true);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot mark the rejoin of " + config.address() + " in " + config.dataDir(), e);
    }
  }

  private static void clearPending(NodeConfig config) {
    try {
      Files.deleteIfExists(config.dataDir().resolve(PENDING));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot clear the rejoin mark of " + config.address() + " in " + config.dataDir(), e);
    }
  }

  /** Deletes what a node writes under its data directory (its log, its store); leaves config and log files. */
  private static void wipe(Path dataDir) {
    for (String owned : List.of("raft", "store")) {
      Path dir = dataDir.resolve(owned);
      if (!Files.exists(dir)) {
        continue;
      }
      try (Stream<Path> paths = Files.walk(dir)) {
        for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(path);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot delete " + dir + " for the rejoin", e);
      }
    }
  }
}
