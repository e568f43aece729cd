package io.sluice.node.bench;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/** The open streams of one {@code bench fanout} step, and what they saw: events, with their arrival times, and failures. */
abstract class FanoutStreams implements AutoCloseable {
  private final Queue<long[]> arrivals = new ConcurrentLinkedQueue<>();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicReference<String> firstFailure = new AtomicReference<>("none");

  /** Opens {@code count} streams; each sees at least every write made after the bench's warm-up began. */
  abstract void open(int count);

  /** Every event seen so far: {_id, arrival nanoTime}. */
  final Queue<long[]> arrivals() {
    return arrivals;
  }

  /** Failures: failed getMores for the node's harness, streams ended by an error for the client's. */
  final long failures() {
    return failures.get();
  }

  /** The first failure. */
  final String firstFailure() {
    return firstFailure.get();
  }

  final void arrived(long id) {
    arrivals.add(new long[] {id, System.nanoTime()});
  }

  final void failed(String what) {
    if (failures.getAndIncrement() == 0) {
      firstFailure.set(what);
    }
  }
}
