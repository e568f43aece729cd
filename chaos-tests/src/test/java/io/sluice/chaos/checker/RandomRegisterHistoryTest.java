package io.sluice.chaos.checker;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.chaos.history.Op;
import io.sluice.chaos.history.OpType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Random histories made by simulating a correct register, then corrupted. */
class RandomRegisterHistoryTest {
  private static final List<String> KEYS = List.of("a", "b", "c");
  private final LinearizabilityChecker checker = new LinearizabilityChecker();

  @Test
  void sequentialHistoriesAreValidUntilOneReadIsCorrupted() {
    for (long seed = 1; seed <= 20; seed++) {
      Random random = new Random(seed);
      List<Op> history = sequentialHistory(random, 300);
      assertThat(checker.check(history).status()).as("seed %d", seed).isEqualTo(CheckResult.Status.VALID);

      List<Op> corrupted = corruptOneRead(history, random);
      CheckResult result = checker.check(corrupted);
      assertThat(result.valid()).as("seed %d: %s", seed, result).isFalse();
      assertThat(result.anomalies()).singleElement().asString().contains("not linearizable");
    }
  }

  @Test
  void agreesWithABruteForceSearchOnSmallHistories() {
    Random random = new Random(7);
    int invalid = 0;
    for (int i = 0; i < 3_000; i++) {
      List<Op> history = concurrentHistory(random, 3, 2 + random.nextInt(7), 0.3, 3);
      if (random.nextBoolean() && !okReads(history).isEmpty()) {
        List<Integer> reads = okReads(history);
        int pick = random.nextInt(4);
        history = replaceValue(history, reads.get(random.nextInt(reads.size())), pick == 0 ? List.of() : List.of((long) pick));
      }
      boolean expected = BruteForce.linearizable(history);
      CheckResult result = checker.check(history);
      assertThat(result.valid()).as("history %d: %s%n%s", i, result, history).isEqualTo(expected);
      invalid += expected ? 0 : 1;
    }
    assertThat(invalid).as("some corrupted histories are invalid").isGreaterThan(300);
  }

  @Test
  void concurrentHistoriesOfTwoThousandOpsAreCheckedQuickly() {
    for (long seed = 1; seed <= 3; seed++) {
      List<Op> history = concurrentHistory(new Random(seed), 5, 2_000, 0.02, 0);
      CheckResult result = checker.check(history);
      assertThat(result.status()).as("seed %d: %s", seed, result).isEqualTo(CheckResult.Status.VALID);

      List<Op> corrupted = readNeverWrittenValue(history);
      assertThat(checker.check(corrupted).valid()).as("seed %d", seed).isFalse();
    }
  }

  /** One process, three keys: every read returns exactly the model's value. */
  private static List<Op> sequentialHistory(Random random, int count) {
    HistoryBuilder history = new HistoryBuilder();
    Map<String, Long> model = new HashMap<>();
    long next = 1;
    for (int i = 0; i < count; i++) {
      String key = KEYS.get(random.nextInt(KEYS.size()));
      Long state = model.get(key);
      switch (random.nextInt(3)) {
        case 0 -> {
          history.write(0, key, next).ok(0);
          model.put(key, next++);
        }
        case 1 -> {
          long expected = state != null && random.nextBoolean() ? state : random.nextInt((int) next) + 1;
          history.cas(0, key, expected, next);
          if (Objects.equals(state, expected)) {
            history.ok(0);
            model.put(key, next);
          } else {
            history.fail(0);
          }
          next++;
        }
        default -> history.read(0, key).ok(0, values(state));
      }
    }
    return history.ops();
  }

  /** Replaces the value of a random ok read with any other value, or absent. */
  private static List<Op> corruptOneRead(List<Op> history, Random random) {
    List<Integer> reads = okReads(history);
    int at = reads.get(random.nextInt(reads.size()));
    Op read = history.get(at);
    long largest = history.stream().flatMap(o -> o.value().stream()).mapToLong(Long::longValue).max().orElse(0);
    List<Long> wrong;
    do {
      long pick = random.nextInt((int) largest + 2);
      wrong = pick == 0 ? List.of() : List.of(pick);
    } while (wrong.equals(read.value()));
    return replaceValue(history, at, wrong);
  }

  private static List<Op> readNeverWrittenValue(List<Op> history) {
    List<Integer> reads = okReads(history);
    return replaceValue(history, reads.get(reads.size() / 2), List.of(-1L));
  }

  private static List<Integer> okReads(List<Op> history) {
    List<Integer> reads = new ArrayList<>();
    for (int i = 0; i < history.size(); i++) {
      if (history.get(i).f().equals(Op.READ) && history.get(i).type() == OpType.OK) {
        reads.add(i);
      }
    }
    return reads;
  }

  private static List<Op> replaceValue(List<Op> history, int at, List<Long> value) {
    List<Op> copy = new ArrayList<>(history);
    Op op = copy.get(at);
    copy.set(at, new Op(op.index(), op.nanos(), op.process(), op.type(), op.f(), op.key(), value, op.node(),
        op.logIndex(), op.error()));
    return copy;
  }

  private static long[] values(Long state) {
    return state == null ? new long[0] : new long[] {state};
  }

  /** An operation in flight in the simulation. */
  private static final class Flight {
    final String f;
    final long a;
    final long b;
    final boolean takesEffect;
    boolean applied;
    boolean casFailed;
    Long read;

    Flight(String f, long a, long b, boolean takesEffect) {
      this.f = f;
      this.a = a;
      this.b = b;
      this.takesEffect = takesEffect;
    }
  }

  /**
   * Simulates {@code processes} clients of one linearizable register: each operation is invoked,
   * takes effect atomically at some later step, then completes. A fraction ends as info, some of
   * which never took effect. Values are unique, or drawn from 1 to {@code values} when that is not 0.
   */
  private static List<Op> concurrentHistory(Random random, int processes, int count, double infoRate, int values) {
    HistoryBuilder history = new HistoryBuilder();
    Flight[] flights = new Flight[processes];
    Long state = null;
    long next = 1;
    int invoked = 0;
    int running = 0;
    while (invoked < count || running > 0) {
      int p = random.nextInt(processes);
      Flight flight = flights[p];
      if (flight == null) {
        if (invoked == count) {
          continue;
        }
        boolean takesEffect = random.nextDouble() >= infoRate / 2;
        int kind = random.nextInt(10);
        if (kind < 5) {
          flight = new Flight(Op.READ, 0, 0, takesEffect);
          history.read(p, "x");
        } else if (kind < 8) {
          flight = new Flight(Op.WRITE, values == 0 ? next++ : 1 + random.nextInt(values), 0, takesEffect);
          history.write(p, "x", flight.a);
        } else {
          long expected = values != 0 ? 1 + random.nextInt(values) : state != null ? state : 1;
          flight = new Flight(Op.CAS, expected, values == 0 ? next++ : 1 + random.nextInt(values), takesEffect);
          history.cas(p, "x", flight.a, flight.b);
        }
        flights[p] = flight;
        invoked++;
        running++;
      } else if (!flight.applied && flight.takesEffect) {
        flight.applied = true;
        switch (flight.f) {
          case Op.READ -> flight.read = state;
          case Op.WRITE -> state = flight.a;
          default -> {
            if (Objects.equals(state, flight.a)) {
              state = flight.b;
            } else {
              flight.casFailed = true;
            }
          }
        }
      } else {
        if (!flight.takesEffect || random.nextDouble() < infoRate / 2) {
          history.info(p);
        } else if (flight.casFailed) {
          history.fail(p);
        } else {
          history.ok(p, values(flight.read));
        }
        flights[p] = null;
        running--;
      }
    }
    return history.ops();
  }
}
