package io.sluice.chaos.history;

import java.util.ArrayList;
import java.util.List;

/** A thread-safe recorder of client operations, stream records and faults, stamped with one clock. */
public final class History {
  private final long start = System.nanoTime();
  private final List<Op> ops = new ArrayList<>();
  private final List<StreamRecord> streams = new ArrayList<>();
  private final List<Fault> faults = new ArrayList<>();

  /** A nemesis action, for the timeline of a failed run. */
  public record Fault(long nanos, String description) {}

  public long nanos() {
    return System.nanoTime() - start;
  }

  public Op invoke(int process, String f, String key, List<Long> value, String node) {
    synchronized (ops) {
      return add(new Op(ops.size(), nanos(), process, OpType.INVOKE, f, key, value, node, null, null));
    }
  }

  /** Completes {@code invoke} as {@code type}. */
  public Op complete(Op invoke, OpType type, List<Long> value, String node, Long logIndex, String error) {
    synchronized (ops) {
      return add(new Op(ops.size(), nanos(), invoke.process(), type, invoke.f(), invoke.key(), value, node, logIndex, error));
    }
  }

  public void stream(int consumer, StreamRecord.Kind kind, String node, String token, Long value, String error) {
    synchronized (streams) {
      streams.add(new StreamRecord(nanos(), consumer, kind, node, token, value, error));
    }
  }

  public void fault(String description) {
    synchronized (faults) {
      faults.add(new Fault(nanos(), description));
    }
  }

  public List<Op> ops() {
    synchronized (ops) {
      return List.copyOf(ops);
    }
  }

  public List<StreamRecord> streams() {
    synchronized (streams) {
      return List.copyOf(streams);
    }
  }

  public List<Fault> faults() {
    synchronized (faults) {
      return List.copyOf(faults);
    }
  }

  private Op add(Op op) {
    ops.add(op);
    return op;
  }
}
