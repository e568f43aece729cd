package io.sluice.chaos.checker;

import io.sluice.chaos.history.Op;
import io.sluice.chaos.history.OpType;
import io.sluice.chaos.history.StreamRecord;
import io.sluice.protocol.ResumeToken;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes hand-made histories tersely: each call appends one line, one microsecond after the last,
 * so ops and stream records interleave in the order the test writes them.
 */
final class HistoryBuilder {
  static final long TERM = 1;

  private final List<Op> ops = new ArrayList<>();
  private final List<StreamRecord> streams = new ArrayList<>();
  private final Map<Integer, Op> running = new HashMap<>();
  private long clock;

  // ---- client operations

  HistoryBuilder write(int process, String key, long value) {
    return invoke(process, Op.WRITE, key, List.of(value));
  }

  HistoryBuilder read(int process, String key) {
    return invoke(process, Op.READ, key, List.of());
  }

  HistoryBuilder cas(int process, String key, long expected, long next) {
    return invoke(process, Op.CAS, key, List.of(expected, next));
  }

  HistoryBuilder add(int process, String set, long value) {
    return invoke(process, Op.ADD, set, List.of(value));
  }

  HistoryBuilder readAll(int process, String set) {
    return invoke(process, Op.READ_ALL, set, List.of());
  }

  HistoryBuilder invoke(int process, String f, String key, List<Long> value) {
    Op op = new Op(ops.size(), tick(), process, OpType.INVOKE, f, key, value, "n1", null, null);
    if (running.put(process, op) != null) {
      throw new IllegalStateException("process " + process + " is busy");
    }
    ops.add(op);
    return this;
  }

  /** Completes ok; for a read the values are what it returned (none: absent), else they are ignored. */
  HistoryBuilder ok(int process, long... read) {
    Op invoke = running.get(process);
    boolean isRead = Op.READ.equals(invoke.f()) || Op.READ_ALL.equals(invoke.f());
    return complete(process, OpType.OK, isRead ? Arrays.stream(read).boxed().toList() : invoke.value(), null);
  }

  /** Completes an add ok, applied at {@code logIndex}. */
  HistoryBuilder okAt(int process, long logIndex) {
    return complete(process, OpType.OK, running.get(process).value(), logIndex);
  }

  HistoryBuilder fail(int process) {
    return complete(process, OpType.FAIL, running.get(process).value(), null);
  }

  HistoryBuilder info(int process) {
    return complete(process, OpType.INFO, running.get(process).value(), null);
  }

  private HistoryBuilder complete(int process, OpType type, List<Long> value, Long logIndex) {
    Op invoke = running.remove(process);
    ops.add(new Op(ops.size(), tick(), process, type, invoke.f(), invoke.key(), value, "n1", logIndex,
        type == OpType.OK ? null : "test"));
    return this;
  }

  // ---- change-stream records

  static String event(long index) {
    return ResumeToken.event(TERM, index, 0).toHex();
  }

  static String hwm(long index) {
    return ResumeToken.highWaterMark(TERM, index).toHex();
  }

  HistoryBuilder open(int consumer, String token) {
    return stream(consumer, StreamRecord.Kind.OPEN, token, null);
  }

  /** An insert event for {@code value} at entry {@code index}, ordinal 0. */
  HistoryBuilder delivered(int consumer, long index, long value) {
    return stream(consumer, StreamRecord.Kind.EVENT, event(index), value);
  }

  HistoryBuilder progress(int consumer, String token) {
    return stream(consumer, StreamRecord.Kind.PROGRESS, token, null);
  }

  HistoryBuilder resume(int consumer, String node, String token) {
    streams.add(new StreamRecord(tick(), consumer, StreamRecord.Kind.RESUME, node, token, null, "connection reset"));
    return this;
  }

  private HistoryBuilder stream(int consumer, StreamRecord.Kind kind, String token, Long value) {
    streams.add(new StreamRecord(tick(), consumer, kind, "n1", token, value, null));
    return this;
  }

  private long tick() {
    return clock += 1_000;
  }

  List<Op> ops() {
    return List.copyOf(ops);
  }

  List<StreamRecord> streams() {
    return List.copyOf(streams);
  }
}
