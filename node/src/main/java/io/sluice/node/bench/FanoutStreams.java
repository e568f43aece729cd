package io.sluice.node.bench;

import java.util.Queue;

/** The open streams of one {@code bench fanout} step, and the events they saw. */
interface FanoutStreams extends AutoCloseable {
  /** Opens {@code count} streams; each sees at least every write made after the bench's warm-up began. */
  void open(int count);

  /** Every event seen so far: {_id, arrival nanoTime}. */
  Queue<long[]> arrivals();

  /** Failures: failed getMores for the node's harness, streams ended by an error for the client's. */
  long failures();

  /** The first failure. */
  String firstFailure();
}
