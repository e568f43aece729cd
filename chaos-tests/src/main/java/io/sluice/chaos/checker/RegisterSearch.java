package io.sluice.chaos.checker;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The linearizability search for one register: Wing and Gong's backtracking search with Lowe's
 * improvements. Calls and returns of the required operations sit in one time-ordered
 * doubly-linked list; the search walks it from the head, linearizes a call as soon as the register
 * allows it ("just in time"), lifts the call and its return out of the list, and starts again from
 * the head. Meeting a return means its operation should already have been linearized: the search
 * tries the optional operations invoked before that return, then backtracks. Configurations
 * already explored, or subsumed by one explored ({@link ConfigurationMemo}), are skipped.
 *
 * <p>Optional operations (unknown outcome) have a call but no return: they may be linearized at
 * any point after their call, or never. They sit in a list of their own, tried after the required
 * ones so that configurations using fewer of them are explored first, and those with the same
 * effect only in call order ({@link #twins}). The search succeeds once every required operation is
 * linearized.
 */
final class RegisterSearch {
  /** One operation on the register, as the search sees it. */
  record RegisterOp(Operation source, Kind kind, Long value, Long expected, long call, long ret, boolean required) {
    enum Kind {
      READ, WRITE, CAS
    }

    /** Whether the operation can take effect when the register holds {@code state}. */
    boolean enabled(Long state) {
      return switch (kind) {
        case READ -> Objects.equals(state, value);
        case WRITE -> true;
        case CAS -> Objects.equals(state, expected);
      };
    }

    /** The register after the operation, when enabled. */
    Long next(Long state) {
      return kind == Kind.READ ? state : value;
    }
  }

  /** How the search ended: {@code stuck} and the rest only matter when it failed. */
  record Outcome(Verdict verdict, int explored, RegisterOp stuck, int bestDepth, RegisterOp lastLinearized, Set<Long> states) {
    enum Verdict {
      LINEARIZABLE, NOT_LINEARIZABLE, UNKNOWN
    }
  }

  private static final class Entry {
    final int op;
    final boolean call;
    /** For an optional call, its bit in the set of linearized optional operations; else -1. */
    final int optionalBit;
    Entry prev;
    Entry next;
    Entry match;

    Entry(int op, boolean call, int optionalBit) {
      this.op = op;
      this.call = call;
      this.optionalBit = optionalBit;
    }
  }

  /** A linearized call, with what to restore, and the first return it was reached under. */
  private record Frame(Entry call, Long state, Entry firstReturn) {}

  private static final int STATES_REPORTED = 4;

  private final List<RegisterOp> ops;
  private final long budget;
  private final Entry head = sentinel();
  private final Entry tail = sentinel();
  private final Entry optionalHead = sentinel();
  private final Entry optionalTail = sentinel();
  private final long[] zobristHigh;
  private final long[] zobristLow;
  /** For an optional op, the previous optional op with the same effect, else -1. */
  private final int[] twinBefore;
  private final boolean[] linearized;
  private final ConfigurationMemo memo = new ConfigurationMemo();
  private final Deque<Frame> stack = new ArrayDeque<>();

  private Long state;
  private long high;
  private long low;
  private long[] optional;
  private int requiredLeft;

  private int bestDepth = -1;
  private RegisterOp stuck;
  private RegisterOp lastLinearized;
  private final Set<Long> bestStates = new LinkedHashSet<>();

  RegisterSearch(List<RegisterOp> ops, long budget) {
    this.ops = ops;
    this.budget = budget;
    // The required set's fingerprint is the XOR of its members' random codes, kept up to date in
    // O(1) as operations are linearized and undone. A fixed seed keeps runs reproducible.
    SplittableRandom random = new SplittableRandom(0x5105CE);
    zobristHigh = new long[ops.size()];
    zobristLow = new long[ops.size()];
    for (int i = 0; i < ops.size(); i++) {
      zobristHigh[i] = random.nextLong();
      zobristLow[i] = random.nextLong();
    }
    twinBefore = twins(ops);
    linearized = new boolean[ops.size()];
    link();
  }

  private static Entry sentinel() {
    return new Entry(-1, false, -1);
  }

  /**
   * Optional ops with the same effect are interchangeable: neither has a return, so whichever was
   * invoked first can take the other's place in any linearization. Linearizing them only in call
   * order keeps the search from trying every subset of them.
   */
  private static int[] twins(List<RegisterOp> ops) {
    int[] twinBefore = new int[ops.size()];
    Map<List<Object>, Integer> lastOfEffect = new HashMap<>();
    for (int i : byCall(ops)) {
      RegisterOp op = ops.get(i);
      Integer twin = op.required() ? null : lastOfEffect.put(List.of(op.kind(), Objects.toString(op.value()),
          Objects.toString(op.expected())), i);
      twinBefore[i] = twin == null ? -1 : twin;
    }
    return twinBefore;
  }

  private static List<Integer> byCall(List<RegisterOp> ops) {
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < ops.size(); i++) {
      order.add(i);
    }
    order.sort(Comparator.comparingLong(i -> ops.get(i).call()));
    return order;
  }

  private void link() {
    List<Entry> required = new ArrayList<>();
    List<Entry> optionalCalls = new ArrayList<>();
    for (int i : byCall(ops)) {
      RegisterOp op = ops.get(i);
      if (op.required()) {
        Entry call = new Entry(i, true, -1);
        Entry ret = new Entry(i, false, -1);
        call.match = ret;
        ret.match = call;
        required.add(call);
        required.add(ret);
        requiredLeft++;
      } else {
        optionalCalls.add(new Entry(i, true, optionalCalls.size()));
      }
    }
    required.sort(Comparator.comparingLong(this::position));
    chain(head, required, tail);
    chain(optionalHead, optionalCalls, optionalTail);
    optional = new long[(optionalCalls.size() + 63) / 64];
  }

  private long position(Entry entry) {
    RegisterOp op = ops.get(entry.op);
    return entry.call ? op.call() : op.ret();
  }

  private static void chain(Entry first, List<Entry> entries, Entry last) {
    Entry previous = first;
    for (Entry entry : entries) {
      previous.next = entry;
      entry.prev = previous;
      previous = entry;
    }
    previous.next = last;
    last.prev = previous;
  }

  Outcome run() {
    Entry entry = head.next; // the next required call to try
    Entry candidate = null; // the next optional call to try, once the required ones are exhausted
    Entry firstReturn = null;
    while (requiredLeft > 0) {
      if (candidate == null && entry.call) {
        if (tryLinearize(entry, null)) {
          entry = head.next;
        } else {
          entry = entry.next;
        }
        continue;
      }
      if (candidate == null) {
        firstReturn = entry; // never the tail: some required op is left, so its return is ahead
        candidate = optionalHead.next;
        continue;
      }
      if (candidate != optionalTail && ops.get(candidate.op).call() < position(firstReturn)) {
        if (tryLinearize(candidate, firstReturn)) {
          entry = head.next;
          candidate = null;
        } else {
          candidate = candidate.next;
        }
        continue;
      }
      noteStuck(ops.get(firstReturn.op));
      if (stack.isEmpty()) {
        return outcome(Outcome.Verdict.NOT_LINEARIZABLE);
      }
      Frame frame = undo();
      if (frame.call().optionalBit < 0) {
        entry = frame.call().next;
        candidate = null;
      } else {
        candidate = frame.call().next;
        firstReturn = frame.firstReturn();
      }
      if (memo.explored() > budget) {
        return outcome(Outcome.Verdict.UNKNOWN);
      }
    }
    return outcome(Outcome.Verdict.LINEARIZABLE);
  }

  private Outcome outcome(Outcome.Verdict verdict) {
    return new Outcome(verdict, memo.explored(), stuck, bestDepth, lastLinearized, bestStates);
  }

  /** Linearizes {@code call} now if the register allows it and the configuration it leads to is new. */
  private boolean tryLinearize(Entry call, Entry firstReturn) {
    RegisterOp op = ops.get(call.op);
    int twin = twinBefore[call.op];
    if ((twin >= 0 && !linearized[twin]) || !op.enabled(state)) {
      return false;
    }
    Long next = op.next(state);
    boolean isNew;
    if (op.required()) {
      isNew = memo.add(high ^ zobristHigh[call.op], low ^ zobristLow[call.op], next, optional);
    } else {
      flip(call.optionalBit);
      isNew = memo.add(high, low, next, optional);
      flip(call.optionalBit);
    }
    if (!isNew) {
      return false;
    }
    stack.push(new Frame(call, state, firstReturn));
    state = next;
    toggle(call);
    lift(call);
    return true;
  }

  private Frame undo() {
    Frame frame = stack.pop();
    state = frame.state();
    toggle(frame.call());
    unlift(frame.call());
    return frame;
  }

  /** Adds {@code call}'s operation to the linearized sets, or takes it out. */
  private void toggle(Entry call) {
    boolean now = !linearized[call.op];
    linearized[call.op] = now;
    if (call.optionalBit >= 0) {
      flip(call.optionalBit);
    } else {
      high ^= zobristHigh[call.op];
      low ^= zobristLow[call.op];
      requiredLeft += now ? -1 : 1;
    }
  }

  private void flip(int bit) {
    optional[bit >>> 6] ^= 1L << bit;
  }

  /** Keeps the return met deepest in the search: the operation no linearization got past. */
  private void noteStuck(RegisterOp op) {
    int depth = stack.size();
    if (depth > bestDepth) {
      bestDepth = depth;
      stuck = op;
      lastLinearized = stack.isEmpty() ? null : ops.get(stack.peek().call().op);
      bestStates.clear();
    }
    if (depth == bestDepth && op == stuck && bestStates.size() < STATES_REPORTED) {
      bestStates.add(state);
    }
  }

  // Dancing links: lifted entries keep their own pointers, so undoing in reverse order restores them.
  private static void lift(Entry call) {
    call.prev.next = call.next;
    call.next.prev = call.prev;
    Entry ret = call.match;
    if (ret != null) {
      ret.prev.next = ret.next;
      ret.next.prev = ret.prev;
    }
  }

  private static void unlift(Entry call) {
    Entry ret = call.match;
    if (ret != null) {
      ret.prev.next = ret;
      ret.next.prev = ret;
    }
    call.prev.next = call;
    call.next.prev = call;
  }
}
