package io.sluice.chaos.checker;

import io.sluice.chaos.checker.RegisterSearch.Outcome;
import io.sluice.chaos.checker.RegisterSearch.RegisterOp;
import io.sluice.chaos.checker.RegisterSearch.RegisterOp.Kind;
import io.sluice.chaos.history.Op;
import io.sluice.chaos.history.OpType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Checks that the {@code read}, {@code write} and {@code cas} operations of a history are
 * linearizable, each key being an independent register that starts absent. Linearizability is
 * compositional, so keys are checked one at a time ({@link RegisterSearch}).
 *
 * <p>Outcomes: an ok operation took effect between its invocation and its completion; a failed one
 * never did and is dropped; an info (or never completed) one may have taken effect at any time after
 * its invocation, or never. An info read has no effect and is dropped. So is an info write or cas
 * whose new value no ok read returned and no cas expected: whether it took effect cannot matter.
 * (Unique written values make the search far cheaper: unknown writes nobody read drop out, and
 * there are fewer ways to explain each read.)
 *
 * <p>A key whose search explores more configurations than the budget is undecided: it appears as an
 * {@code "undecided:"} line, and does not make the result invalid (see {@link CheckResult}).
 */
public final class LinearizabilityChecker {
  /** About a second of search and at most some 130 MB of memo for one key (measured). */
  public static final long DEFAULT_BUDGET = 1_000_000;

  private final long budget;

  public LinearizabilityChecker() {
    this(DEFAULT_BUDGET);
  }

  /** @param maxConfigurationsPerKey how many configurations one key's search may explore before giving up */
  public LinearizabilityChecker(long maxConfigurationsPerKey) {
    this.budget = maxConfigurationsPerKey;
  }

  public CheckResult check(List<Op> history) {
    Map<String, List<Operation>> byKey = new TreeMap<>();
    for (Operation operation : Operation.pair(history)) {
      if (isRegisterOp(operation.f())) {
        byKey.computeIfAbsent(Objects.toString(operation.key()), k -> new ArrayList<>()).add(operation);
      }
    }
    CheckResult.Builder result = new CheckResult.Builder();
    for (String count : List.of("keys", "ok", "fail", "info", "configurations")) {
      result.count(count);
    }
    byKey.forEach((key, operations) -> checkKey(key, operations, result));
    return result.build();
  }

  private static boolean isRegisterOp(String f) {
    return Op.READ.equals(f) || Op.WRITE.equals(f) || Op.CAS.equals(f);
  }

  private void checkKey(String key, List<Operation> operations, CheckResult.Builder result) {
    result.increment("keys");
    operations.forEach(o -> result.increment(o.outcome().name().toLowerCase()));
    List<RegisterOp> ops = registerOps(operations);
    Outcome outcome = new RegisterSearch(ops, budget).run();
    result.add("configurations", outcome.explored());
    switch (outcome.verdict()) {
      case LINEARIZABLE -> { }
      case UNKNOWN -> result.undecided(operations.get(0).invoke().nanos(), "key " + key + ": gave up after exploring "
          + outcome.explored() + " configurations (budget " + budget + ") of " + ops.size() + " ops");
      case NOT_LINEARIZABLE -> result.anomaly(outcome.stuck() == null ? -1 : outcome.stuck().source().lastNanos(),
          describeFailure(key, ops, outcome));
    }
  }

  private static String describeFailure(String key, List<RegisterOp> ops, Outcome outcome) {
    if (outcome.stuck() == null) {
      return "key " + key + ": not linearizable";
    }
    long required = ops.stream().filter(RegisterOp::required).count();
    String after = outcome.lastLinearized() == null
        ? "before any op could be linearized"
        : "at best " + outcome.bestDepth() + " ops were linearized (" + required + " required in all), the last being "
            + outcome.lastLinearized().source().describe();
    String states = outcome.states().stream().map(LinearizabilityChecker::describeState).collect(Collectors.joining(" or "));
    return "key " + key + ": not linearizable: no linearization could continue past " + outcome.stuck().source().describe()
        + "; " + after + ", with the register " + states;
  }

  private static String describeState(Long state) {
    return state == null ? "absent" : "at " + state;
  }

  private static List<RegisterOp> registerOps(List<Operation> operations) {
    Set<Long> needed = neededValues(operations);
    List<RegisterOp> ops = new ArrayList<>();
    for (Operation o : operations) {
      OpType outcome = o.outcome();
      if (outcome == OpType.FAIL) {
        continue;
      }
      boolean required = outcome == OpType.OK;
      long call = o.invoke().index();
      long ret = required ? o.completion().index() : Long.MAX_VALUE;
      List<Long> value = o.value();
      switch (o.f()) {
        case Op.READ -> {
          if (required) {
            ops.add(new RegisterOp(o, Kind.READ, single(o, value, true), null, call, ret, true));
          }
        }
        case Op.WRITE -> {
          Long written = single(o, value, false);
          if (required || needed.contains(written)) {
            ops.add(new RegisterOp(o, Kind.WRITE, written, null, call, ret, required));
          }
        }
        default -> {
          if (value.size() != 2) {
            throw new IllegalArgumentException("a cas needs [expected, new], got " + o.describe());
          }
          if (required || needed.contains(value.get(1))) {
            ops.add(new RegisterOp(o, Kind.CAS, value.get(1), value.get(0), call, ret, required));
          }
        }
      }
    }
    return ops;
  }

  /** The values some operation depends on: those ok reads returned and those cas operations expect. */
  private static Set<Long> neededValues(List<Operation> operations) {
    Set<Long> needed = new HashSet<>();
    for (Operation o : operations) {
      if (o.outcome() == OpType.FAIL) {
        continue;
      }
      if (Op.READ.equals(o.f()) && o.outcome() == OpType.OK && !o.value().isEmpty()) {
        needed.add(o.value().get(0));
      } else if (Op.CAS.equals(o.f()) && !o.value().isEmpty()) {
        needed.add(o.value().get(0));
      }
    }
    return needed;
  }

  private static Long single(Operation o, List<Long> value, boolean mayBeEmpty) {
    if (value.size() == 1 || (mayBeEmpty && value.isEmpty())) {
      return value.isEmpty() ? null : value.get(0);
    }
    throw new IllegalArgumentException("a " + o.f() + " needs " + (mayBeEmpty ? "[] or " : "") + "[v], got " + o.describe());
  }
}
