package io.sluice.chaos.checker;

import io.sluice.chaos.history.Op;
import io.sluice.chaos.history.OpType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An operation of a history: its invocation joined with its completion.
 *
 * @param invoke the {@link OpType#INVOKE} line
 * @param completion the ok/fail/info line, or null when the history ended before the operation did
 */
record Operation(Op invoke, Op completion) {
  /** The outcome; an operation that never completed is as unknown as an info one. */
  OpType outcome() {
    return completion == null ? OpType.INFO : completion.type();
  }

  String f() {
    return invoke.f();
  }

  String key() {
    return invoke.key();
  }

  boolean isRead() {
    return Op.READ.equals(f()) || Op.READ_ALL.equals(f());
  }

  /** The value that says what happened: what an ok read returned, else what was asked for. */
  List<Long> value() {
    return isRead() && outcome() == OpType.OK ? completion.value() : invoke.value();
  }

  Long logIndex() {
    return completion == null ? null : completion.logIndex();
  }

  /** When the operation is known to have ended, or, when it did not, when it began. */
  long lastNanos() {
    return completion == null ? invoke.nanos() : completion.nanos();
  }

  /** A short description such as {@code op #12 (process 3, write [5], ok at #15)}. */
  String describe() {
    String end = completion == null ? "never completed" : completion.type().name().toLowerCase() + " at #" + completion.index();
    return "op #" + invoke.index() + " (process " + invoke.process() + ", " + invoke.f() + " " + value() + ", " + end + ")";
  }

  /**
   * Joins each invocation with the next completion of its process (a process runs one operation
   * at a time), in invocation order. An invocation followed by another of the same process before
   * completing is left without completion (unknown outcome); a completion without an invocation is
   * a harness bug and throws.
   */
  static List<Operation> pair(List<Op> ops) {
    List<Operation> operations = new ArrayList<>();
    Map<Integer, Integer> pending = new HashMap<>();
    for (Op op : ops) {
      if (op.type() == OpType.INVOKE) {
        // An earlier invocation still pending stays without completion: its outcome is unknown.
        pending.put(op.process(), operations.size());
        operations.add(new Operation(op, null));
      } else {
        Integer at = pending.remove(op.process());
        if (at == null) {
          throw new IllegalArgumentException("op #" + op.index() + " completes nothing: process " + op.process() + " had no op running");
        }
        Operation invoked = operations.get(at);
        if (!invoked.f().equals(op.f())) {
          throw new IllegalArgumentException("op #" + op.index() + " completes a " + op.f() + " but process "
              + op.process() + " invoked a " + invoked.f() + " at #" + invoked.invoke().index());
        }
        operations.set(at, new Operation(invoked.invoke(), op));
      }
    }
    return operations;
  }
}
