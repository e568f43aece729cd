package io.sluice.chaos.checker;

import io.sluice.chaos.history.Op;
import io.sluice.chaos.history.OpType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Linearizability of a tiny one-key register history by trying every order, written independently
 * of the checker to test it: no memo, no just-in-time, no pruning of unknown operations.
 */
final class BruteForce {
  /** An operation: its kind, values, and its window (a return of MAX_VALUE means unknown outcome). */
  private record Call(String f, List<Long> value, long call, long ret) {}

  private BruteForce() {}

  static boolean linearizable(List<Op> history) {
    List<Call> calls = new ArrayList<>();
    Map<Integer, Op> invoked = new HashMap<>();
    Map<Integer, Integer> slot = new HashMap<>();
    for (Op op : history) {
      if (op.type() == OpType.INVOKE) {
        invoked.put(op.process(), op);
        slot.put(op.process(), calls.size());
        calls.add(new Call(op.f(), op.value(), op.index(), Long.MAX_VALUE)); // unknown until completed
      } else {
        Op invoke = invoked.remove(op.process());
        int at = slot.remove(op.process());
        if (op.type() == OpType.FAIL || (op.type() == OpType.INFO && op.f().equals(Op.READ))) {
          calls.set(at, null);
        } else if (op.type() == OpType.OK) {
          calls.set(at, new Call(op.f(), op.f().equals(Op.READ) ? op.value() : invoke.value(), invoke.index(), op.index()));
        }
      }
    }
    calls.removeIf(c -> c == null || (c.f().equals(Op.READ) && c.ret() == Long.MAX_VALUE));
    return search(calls, new boolean[calls.size()], null);
  }

  private static boolean search(List<Call> calls, boolean[] done, Long state) {
    boolean allRequiredDone = true;
    for (int i = 0; i < calls.size(); i++) {
      allRequiredDone &= done[i] || calls.get(i).ret() == Long.MAX_VALUE;
    }
    if (allRequiredDone) {
      return true;
    }
    for (int i = 0; i < calls.size(); i++) {
      if (done[i] || !mayGoNext(calls, done, i)) {
        continue;
      }
      Call c = calls.get(i);
      Long next;
      switch (c.f()) {
        case Op.READ -> {
          if (!Objects.equals(state, c.value().isEmpty() ? null : c.value().get(0))) {
            continue;
          }
          next = state;
        }
        case Op.WRITE -> next = c.value().get(0);
        default -> {
          if (!Objects.equals(state, c.value().get(0))) {
            continue;
          }
          next = c.value().get(1);
        }
      }
      done[i] = true;
      if (search(calls, done, next)) {
        return true;
      }
      done[i] = false;
    }
    return false;
  }

  /** An operation may come next when every operation that returned before it was invoked is done. */
  private static boolean mayGoNext(List<Call> calls, boolean[] done, int i) {
    for (int j = 0; j < calls.size(); j++) {
      if (!done[j] && j != i && calls.get(j).ret() < calls.get(i).call()) {
        return false;
      }
    }
    return true;
  }
}
