package io.sluice.chaos;

import static io.sluice.chaos.nemesis.Fault.ISOLATE_LEADER;
import static io.sluice.chaos.nemesis.Fault.KILL_DURING_SNAPSHOT;
import static io.sluice.chaos.nemesis.Fault.KILL_FOLLOWER;
import static io.sluice.chaos.nemesis.Fault.KILL_LEADER;
import static io.sluice.chaos.nemesis.Fault.KILL_STREAM_NODE;
import static io.sluice.chaos.nemesis.Fault.MAJORITY_RING;
import static io.sluice.chaos.nemesis.Fault.ONE_WAY_FROM_LEADER;
import static io.sluice.chaos.nemesis.Fault.PAUSE_FOLLOWER;
import static io.sluice.chaos.nemesis.Fault.PAUSE_LEADER;
import static io.sluice.chaos.nemesis.Fault.REMOVE_FOLLOWER;
import static io.sluice.chaos.nemesis.Fault.SPLIT_HALVES;
import static io.sluice.chaos.nemesis.Fault.TRANSFER_LEADER;
import static io.sluice.chaos.nemesis.Fault.WIPE_FOLLOWER;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.chaos.cluster.ChaosEnvironment;
import io.sluice.chaos.nemesis.Fault;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The chaos suite: every fault, with every workload running (registers, set, change-stream
 * consumers on every node), and every checker. Each run prints its seed; {@code -Dchaos.seed=N}
 * replays the same faults, victims and values. {@code -Dchaos.minutes=N} adds a soak of N minutes.
 */
@ExtendWith(ChaosEnvironment.class)
class ChaosSuiteIT {
  /**
   * SIGKILL at any moment, also right around a snapshot, and a follower that loses its disk and
   * rejoins with {@code --rejoin}. This test first found that MapDB's own write-ahead log could leave
   * a store unreadable after a kill; the store no longer uses it.
   */
  @Test
  void crashes() {
    check(new Scenario("crashes", 3, List.of(KILL_LEADER, KILL_FOLLOWER, KILL_STREAM_NODE, KILL_DURING_SNAPSHOT, WIPE_FOLLOWER),
        Duration.ofSeconds(240), Scenario.seedFromProperty()));
  }

  @Test
  void pausesLeaderTransfersAndMembership() {
    check(new Scenario("pauses", 3, List.of(PAUSE_LEADER, PAUSE_FOLLOWER, TRANSFER_LEADER, REMOVE_FOLLOWER), Duration.ofSeconds(180),
        Scenario.seedFromProperty()));
  }

  @Test
  void partitionsOfFiveNodes() {
    check(new Scenario("partitions", 5, List.of(ISOLATE_LEADER, SPLIT_HALVES, MAJORITY_RING, ONE_WAY_FROM_LEADER),
        Duration.ofSeconds(240), Scenario.seedFromProperty()));
  }

  @Test
  void soak() {
    long minutes = Long.getLong("chaos.minutes", 0);
    Assumptions.assumeTrue(minutes > 0, "no soak: run with -Dchaos.minutes=N");
    check(new Scenario("soak", 5, List.copyOf(EnumSet.allOf(Fault.class)),
        Duration.ofMinutes(minutes), Scenario.seedFromProperty()));
  }

  private static void check(Scenario scenario) {
    ChaosRun.Report report = ChaosRun.run(scenario);
    assertThat(report.valid()).as("%s", report).isTrue();
  }
}
