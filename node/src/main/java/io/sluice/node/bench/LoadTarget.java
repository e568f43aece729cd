package io.sluice.node.bench;

import java.util.SplittableRandom;

/** What a {@link ClosedLoop} sends: one operation per call, from any of its threads at once. */
interface LoadTarget extends AutoCloseable {

  /** A name for tables: {@code sluice}, {@code baseline}, ... */
  String name();

  /** What one operation is, for tables: {@code writes}, {@code reads}. */
  String unit();

  /** Sends one operation and returns when it is acknowledged; throws if it failed. */
  void operate(SplittableRandom random) throws Exception;

  @Override
  void close();
}
