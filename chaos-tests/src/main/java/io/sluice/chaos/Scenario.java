package io.sluice.chaos;

import io.sluice.chaos.nemesis.Fault;
import java.time.Duration;
import java.util.List;

/**
 * One chaos run: a cluster size, the faults to cycle through, how long to keep faulting, and the
 * seed every random choice derives from (workload values, fault order, victims, partitions).
 */
public record Scenario(String name, int nodes, List<Fault> faults, Duration duration, long seed) {
  public Scenario {
    faults = List.copyOf(faults);
    if (nodes < 3) {
      throw new IllegalArgumentException("a chaos cluster needs at least 3 nodes, got " + nodes);
    }
  }

  /** The seed from {@code -Dchaos.seed=N} to replay a run, else a fresh one. */
  public static long seedFromProperty() {
    String seed = System.getProperty("chaos.seed", "");
    return seed.isBlank() ? System.nanoTime() : Long.parseLong(seed.strip());
  }

  @Override
  public String toString() {
    return name + " (" + nodes + " nodes, faults " + faults + ", " + duration.toSeconds() + " s, -Dchaos.seed=" + seed + ")";
  }
}
