package io.sluice.chaos.checker;

import io.sluice.chaos.history.Op;
import io.sluice.chaos.history.OpType;
import io.sluice.chaos.history.StreamRecord;
import io.sluice.protocol.ResumeToken;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Checks what change-stream consumers saw against the {@code add} operations of the set workload,
 * each of which inserted a document whose {@code _id} is its value into the watched collection. The
 * caller passes the adds of the watched collection only.
 *
 * <p>Per consumer ({@link ConsumerCheck}): events in strictly increasing token order and progress
 * never backwards; no value twice; no value from a failed add or never added; every committed add
 * inside the covered range delivered (no gap, and no skip across a resume), an add being known
 * committed when acknowledged or when some consumer delivered it; an event's index equal to the log
 * index its add was acknowledged at. Across consumers: one position carries one value,
 * and one value one position.
 *
 * <p>Every anomaly is one line: {@code consumer <c>: <kind>: ...} with kinds {@code reorder},
 * {@code behind-progress}, {@code progress-backwards}, {@code duplicate}, {@code phantom},
 * {@code failed-write-delivered}, {@code misplaced}, {@code premature}, {@code gap},
 * {@code resume-skip}, {@code resume-backwards}, {@code resume-behind}, {@code bad-token}, and
 * {@code divergent} for the comparison of consumers.
 */
public final class ChangeStreamChecker {
  /** Where a value was delivered, for the comparison of consumers. */
  record Delivery(int consumer, long value, ResumeToken token, StreamRecord record) {}

  /**
   * The log index a value's write is known to be committed at.
   *
   * @param deliveredBy null when the add was acknowledged at that index, else the consumer that
   *     delivered the value of an add of unknown outcome there
   */
  record Committed(long index, Integer deliveredBy) {}

  public CheckResult check(List<Op> history, List<StreamRecord> records) {
    Map<Long, Operation> writes = writesByValue(history);
    Map<Integer, List<StreamRecord>> byConsumer = new TreeMap<>();
    for (StreamRecord record : records) {
      byConsumer.computeIfAbsent(record.consumer(), c -> new ArrayList<>()).add(record);
    }
    CheckResult.Builder result = new CheckResult.Builder();
    for (String count : List.of("consumers", "events", "progress", "resumes", "covered-writes")) {
      result.count(count);
    }
    List<Delivery> deliveries = new ArrayList<>();
    List<ConsumerCheck> consumers = new ArrayList<>();
    byConsumer.forEach((consumer, own) -> {
      result.increment("consumers");
      ConsumerCheck check = new ConsumerCheck(consumer, writes, result);
      deliveries.addAll(check.run(own));
      consumers.add(check);
    });
    Map<Long, Committed> committed = committed(writes, deliveries);
    consumers.forEach(check -> check.checkCoverage(committed));
    compareConsumers(deliveries, result);
    return result.build();
  }

  /** Acknowledged adds at their log index, and adds of unknown outcome where a consumer delivered them. */
  private static Map<Long, Committed> committed(Map<Long, Operation> writes, List<Delivery> deliveries) {
    Map<Long, Committed> committed = new HashMap<>();
    writes.forEach((value, write) -> {
      if (write.outcome() == OpType.OK && write.logIndex() != null) {
        committed.put(value, new Committed(write.logIndex(), null));
      }
    });
    for (Delivery d : deliveries) {
      Operation write = writes.get(d.value());
      if (write != null && write.outcome() != OpType.FAIL) {
        committed.putIfAbsent(d.value(), new Committed(d.token().index(), d.consumer()));
      }
    }
    return committed;
  }

  /** Each value's add: the acknowledged one if any, else an unknown one, else a failed one. */
  private static Map<Long, Operation> writesByValue(List<Op> history) {
    Map<Long, Operation> writes = new HashMap<>();
    for (Operation add : Operation.pair(history)) {
      if (Op.ADD.equals(add.f()) && add.value().size() == 1) {
        writes.merge(add.value().get(0), add, (a, b) -> rank(b.outcome()) > rank(a.outcome()) ? b : a);
      }
    }
    return writes;
  }

  private static int rank(OpType outcome) {
    return switch (outcome) {
      case OK -> 3;
      case INFO -> 2;
      default -> 1;
    };
  }

  /** The first consumer to deliver a position (or a value) is the reference for the others. */
  private static void compareConsumers(List<Delivery> deliveries, CheckResult.Builder result) {
    Map<String, Delivery> byPosition = new HashMap<>();
    Map<Long, Delivery> byValue = new HashMap<>();
    for (Delivery d : deliveries) {
      String position = d.token().index() + ":" + Integer.toUnsignedString(d.token().ordinal());
      Delivery first = byPosition.putIfAbsent(position, d);
      if (first != null && first.consumer() != d.consumer() && first.value() != d.value()) {
        result.increment("divergent").anomaly(d.record().nanos(), "consumer " + d.consumer() + ": divergent: position "
            + describe(d.token()) + " carries value " + d.value() + " but value " + first.value() + " on consumer "
            + first.consumer());
        continue;
      }
      Delivery sameValue = byValue.putIfAbsent(d.value(), d);
      if (sameValue != null && sameValue.consumer() != d.consumer()
          && (sameValue.token().index() != d.token().index() || sameValue.token().ordinal() != d.token().ordinal())) {
        result.increment("divergent").anomaly(d.record().nanos(), "consumer " + d.consumer() + ": divergent: value "
            + d.value() + " delivered at " + describe(d.token()) + " but at " + describe(sameValue.token())
            + " on consumer " + sameValue.consumer());
      }
    }
  }

  /** A position as {@code index:ordinal}, or {@code index:hwm} for a high-water mark. */
  static String describe(ResumeToken token) {
    return switch (token.kind()) {
      case HIGH_WATER_MARK -> token.index() + ":hwm";
      case INVALIDATE -> token.index() + ":" + Integer.toUnsignedString(token.ordinal()) + "(invalidate)";
      case EVENT -> token.index() + ":" + Integer.toUnsignedString(token.ordinal());
    };
  }
}
