package io.sluice.chaos.checker;

import io.sluice.chaos.history.Op;
import io.sluice.chaos.history.OpType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Checks the set workload: {@code add} operations of unique values to sets named by key, and a
 * final {@code read-all} of each set once the faults have healed. The final read is the ok read-all
 * that completed last.
 *
 * <ul>
 *   <li>lost: an ok add is missing from the final read. Only adds acknowledged before the final read
 *       was invoked must be there; later ones were concurrent with it and may be missing.</li>
 *   <li>failed add present: an add that failed (definitely no effect) is in the final read.</li>
 *   <li>unexpected: the final read holds a value that was never added to that set, or whose adds
 *       were all invoked after the read completed.</li>
 *   <li>duplicated: a value appears more than once in the final read.</li>
 * </ul>
 * Info adds may be present or not; the counts say how many were. A set without an ok read-all is
 * undecided.
 */
public final class SetChecker {
  public CheckResult check(List<Op> history) {
    Map<String, List<Operation>> bySet = new TreeMap<>();
    for (Operation operation : Operation.pair(history)) {
      if (Op.ADD.equals(operation.f()) || Op.READ_ALL.equals(operation.f())) {
        bySet.computeIfAbsent(Objects.toString(operation.key()), k -> new ArrayList<>()).add(operation);
      }
    }
    CheckResult.Builder result = new CheckResult.Builder();
    for (String count : List.of("ok", "fail", "info", "read", "lost", "unexpected", "duplicated", "failed-present",
        "info-present", "info-absent")) {
      result.count(count);
    }
    bySet.forEach((set, operations) -> checkSet(set, operations, result));
    return result.build();
  }

  private static void checkSet(String set, List<Operation> operations, CheckResult.Builder result) {
    Map<Long, List<Operation>> addsByValue = new LinkedHashMap<>();
    Operation finalRead = null;
    for (Operation o : operations) {
      if (Op.ADD.equals(o.f())) {
        result.increment(o.outcome().name().toLowerCase());
        if (o.value().size() != 1) {
          throw new IllegalArgumentException("an add needs [v], got " + o.describe());
        }
        addsByValue.computeIfAbsent(o.value().get(0), v -> new ArrayList<>()).add(o);
      } else if (o.outcome() == OpType.OK
          && (finalRead == null || o.completion().index() > finalRead.completion().index())) {
        finalRead = o;
      }
    }
    if (finalRead == null) {
      long nanos = operations.get(operations.size() - 1).lastNanos();
      result.undecided(nanos, "set " + set + ": no ok final read-all, so " + addsByValue.size() + " added values went unchecked");
      return;
    }
    Map<Long, Integer> read = new LinkedHashMap<>();
    for (Long value : finalRead.value()) {
      read.merge(value, 1, Integer::sum);
    }
    result.add("read", read.size());
    checkAdds(set, addsByValue, finalRead, read, result);
    checkReadValues(set, addsByValue, finalRead, read, result);
  }

  private static void checkAdds(String set, Map<Long, List<Operation>> addsByValue, Operation finalRead,
                                Map<Long, Integer> read, CheckResult.Builder result) {
    long readInvoked = finalRead.invoke().index();
    addsByValue.forEach((value, adds) -> {
      boolean present = read.containsKey(value);
      Operation acked = adds.stream()
          .filter(a -> a.outcome() == OpType.OK && a.completion().index() < readInvoked).findFirst().orElse(null);
      boolean allFailed = adds.stream().allMatch(a -> a.outcome() == OpType.FAIL);
      boolean anyInfo = adds.stream().anyMatch(a -> a.outcome() == OpType.INFO);
      if (acked != null && !present) {
        result.increment("lost").anomaly(acked.lastNanos(), "set " + set + ": lost value " + value + ": "
            + acked.describe() + " was acknowledged but the final read (op #" + finalRead.invoke().index() + ") lacks it");
      } else if (allFailed && present) {
        Operation failed = adds.get(0);
        result.increment("failed-present").anomaly(failed.lastNanos(), "set " + set + ": failed add present: value "
            + value + " of " + failed.describe() + " is in the final read (op #" + finalRead.invoke().index() + ")");
      } else if (anyInfo && acked == null) {
        result.increment(present ? "info-present" : "info-absent");
      }
    });
  }

  private static void checkReadValues(String set, Map<Long, List<Operation>> addsByValue, Operation finalRead,
                                      Map<Long, Integer> read, CheckResult.Builder result) {
    String where = "the final read (op #" + finalRead.invoke().index() + ")";
    long readDone = finalRead.completion().index();
    long nanos = finalRead.completion().nanos();
    read.forEach((value, times) -> {
      List<Operation> adds = addsByValue.get(value);
      if (adds == null) {
        result.increment("unexpected").anomaly(nanos, "set " + set + ": unexpected value " + value + " in " + where
            + ": never added");
      } else if (adds.stream().allMatch(a -> a.invoke().index() > readDone)) {
        result.increment("unexpected").anomaly(nanos, "set " + set + ": unexpected value " + value + " in " + where
            + ": read before " + adds.get(0).describe() + " was invoked");
      }
      if (times > 1) {
        result.increment("duplicated").anomaly(nanos, "set " + set + ": duplicated value " + value + ": appears "
            + times + " times in " + where);
      }
    });
  }
}
