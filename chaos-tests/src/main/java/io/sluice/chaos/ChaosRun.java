package io.sluice.chaos;

import io.sluice.chaos.checker.ChangeStreamChecker;
import io.sluice.chaos.checker.CheckResult;
import io.sluice.chaos.checker.LinearizabilityChecker;
import io.sluice.chaos.checker.SetChecker;
import io.sluice.chaos.cluster.ChaosCluster;
import io.sluice.chaos.cluster.ChaosNode;
import io.sluice.chaos.cluster.ClientPool;
import io.sluice.chaos.cluster.NodeStatus;
import io.sluice.chaos.history.History;
import io.sluice.chaos.history.HistoryFiles;
import io.sluice.chaos.nemesis.Fault;
import io.sluice.chaos.nemesis.Nemesis;
import io.sluice.chaos.workload.RegisterWorkload;
import io.sluice.chaos.workload.SetWorkload;
import io.sluice.chaos.workload.StreamConsumers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link Scenario}: starts the cluster, opens stream consumers on every node, runs the
 * register and set workloads while the nemesis cycles through the faults (each healed and the
 * cluster converged before the next), then reads the final set, lets the consumers catch up, checks
 * everything, and writes the history and its summary under {@code target/histories}.
 */
public final class ChaosRun {
  private static final Logger LOG = LoggerFactory.getLogger(ChaosRun.class);
  private static final Path RUNS = Path.of("target/chaos-runs");
  private static final Path HISTORIES = Path.of("target/histories");
  private static final int REGISTER_PROCESSES = 4;
  private static final int REGISTER_KEYS = 3;
  private static final int SET_PROCESSES = 2;
  private static final int FIRST_SET_PROCESS = 1_000_000;

  /** What a run found: each checker's result, and where the history was written. */
  public record Report(Scenario scenario, Map<String, CheckResult> results, Path historyDir) {
    /** Every checker decided, and found nothing wrong. */
    public boolean valid() {
      return results.values().stream().allMatch(r -> r.status() == CheckResult.Status.VALID);
    }

    @Override
    public String toString() {
      StringBuilder out = new StringBuilder(scenario.toString()).append(", history in ").append(historyDir);
      results.forEach((name, result) -> out.append('\n').append(name).append(": ").append(result));
      return out.toString();
    }
  }

  private ChaosRun() {}

  public static Report run(Scenario scenario) {
    LOG.info("chaos run {}", scenario);
    History history = new History();
    Map<String, CheckResult> results = new LinkedHashMap<>();
    Path historyDir = null;
    try (ChaosCluster cluster = ChaosCluster.start(scenario.nodes(), RUNS.resolve(scenario.name()));
         ClientPool clients = new ClientPool(cluster.connectionString())) {
      awaitConverged(cluster, "the new cluster");
      List<String> addresses = cluster.nodes().stream().map(ChaosNode::address).toList();
      StreamConsumers consumers = new StreamConsumers(clients, history, addresses, scenario.nodes(), scenario.seed());
      SetWorkload set = new SetWorkload(clients, history, SET_PROCESSES, FIRST_SET_PROCESS);
      RegisterWorkload registers = new RegisterWorkload(clients, history, REGISTER_PROCESSES, REGISTER_KEYS, scenario.seed());
      try {
        runFaults(scenario, cluster, history, new Nemesis(cluster, history, scenario.seed(), () -> consumers.servingNode(0)));
      } catch (RuntimeException e) {
        // The run stopped early (the cluster did not recover in time): still judge what was recorded,
        // so that a liveness failure also says whether anything unsafe happened before it.
        registers.close();
        set.close();
        consumers.close();
        results.put("registers (linearizable)", new LinearizabilityChecker().check(history.ops()));
        results.put("change streams (up to each consumer's last token)",
            new ChangeStreamChecker().check(history.ops(), history.streams()));
        throw e;
      }
      registers.close();
      set.close();
      awaitConverged(cluster, "the healed cluster");
      set.readAll(FIRST_SET_PROCESS - 1);
      long lastIndex = cluster.statuses().stream().mapToLong(NodeStatus::appliedIndex).max().orElseThrow();
      Awaitility.await("every stream consumer to reach index " + lastIndex).atMost(Duration.ofSeconds(60))
          .until(() -> allReached(consumers, lastIndex));
      consumers.close();
      results.put("registers (linearizable)", new LinearizabilityChecker().check(history.ops()));
      results.put("set", new SetChecker().check(history.ops()));
      results.put("change streams", new ChangeStreamChecker().check(history.ops(), history.streams()));
      results.put("replicas", replicaCheck(cluster));
    } finally {
      historyDir = HistoryFiles.write(HISTORIES, scenario.name(), scenario.seed(), history, results);
      LOG.info("history of {} written to {}", scenario.name(), historyDir);
    }
    return new Report(scenario, results, historyDir);
  }

  /** Cycles through the faults in a seeded order, every fault once per round, until the duration is up. */
  private static void runFaults(Scenario scenario, ChaosCluster cluster, History history, Nemesis nemesis) {
    Random timing = new Random(scenario.seed() ^ 0x5DEECE66DL);
    long deadline = System.nanoTime() + scenario.duration().toNanos();
    List<Fault> round = new ArrayList<>();
    do {
      if (round.isEmpty()) {
        round.addAll(scenario.faults());
        Collections.shuffle(round, timing);
      }
      pause(Duration.ofMillis(1500 + timing.nextInt(1500)));
      Fault fault = round.remove(0);
      LOG.info("{}: injecting {}", scenario.name(), fault);
      nemesis.inject(fault);
      pause(Duration.ofMillis(3000 + timing.nextInt(3000)));
      nemesis.heal();
    } while (System.nanoTime() < deadline || !round.isEmpty());
    LOG.info("{}: faults done; {} ops recorded", scenario.name(), history.ops().size());
  }

  private static boolean allReached(StreamConsumers consumers, long index) {
    for (int i = 0; i < consumers.size(); i++) {
      if (consumers.position(i) == null || consumers.position(i).index() < index) {
        return false;
      }
    }
    return true;
  }

  /**
   * After the run every node has applied the same entries and holds the same state. The nodes are asked
   * one after another, so an entry applied meanwhile (a new leader commits one) is waited out.
   */
  private static CheckResult replicaCheck(ChaosCluster cluster) {
    awaitConverged(cluster, "the final cluster");
    int members = cluster.nodes().size();
    List<NodeStatus> statuses;
    try {
      statuses = Awaitility.await("every node's digest").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
          .until(cluster::statusesWithDigests, s -> s.size() == members && positionsAndDigests(s) == 1);
    } catch (ConditionTimeoutException e) {
      statuses = cluster.statusesWithDigests();
    }
    CheckResult.Builder result = new CheckResult.Builder().add("nodes", statuses.size());
    if (statuses.size() != members) {
      result.anomaly(0, statuses.size() + " of " + members + " nodes answered with their digest:" + cluster.describe());
    } else if (positionsAndDigests(statuses) != 1) {
      result.anomaly(0, "replicas differ after applying the same entries:" + cluster.describe());
    }
    return result.build();
  }

  private static long positionsAndDigests(List<NodeStatus> statuses) {
    return statuses.stream().map(s -> s.appliedIndex() + ":" + s.digest()).distinct().count();
  }

  private static void awaitConverged(ChaosCluster cluster, String what) {
    Awaitility.await(what + " to converge").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
        .until(cluster::isConverged);
  }

  /** The nemesis' schedule: quiet and faulty periods of seeded lengths. */
  private static void pause(Duration duration) {
    LockSupport.parkNanos(TimeUnit.NANOSECONDS.convert(duration));
  }
}
