package io.sluice.chaos.workload;

import io.sluice.chaos.history.OpType;
import io.sluice.client.SluiceWriteException;
import io.sluice.protocol.ErrorCode;

/** How a client error maps onto a history: did the operation definitely not happen, or is it unknown? */
final class Outcomes {
  private Outcomes() {}

  /**
   * A write error reported by the cluster means the statement was applied and failed: no effect,
   * except a duplicate key on an insert, which says the document is there (an earlier attempt of
   * the same write may have succeeded). Anything else (timeouts, no leader, connection lost) may or
   * may not have taken effect.
   */
  static OpType ofWriteFailure(RuntimeException e) {
    if (e instanceof SluiceWriteException w && w.errorCode() != ErrorCode.DUPLICATE_KEY) {
      return OpType.FAIL;
    }
    return OpType.INFO;
  }

  static String describe(RuntimeException e) {
    String message = e.getMessage();
    return e.getClass().getSimpleName() + ": " + (message == null ? "" : message.lines().findFirst().orElse(""));
  }
}
