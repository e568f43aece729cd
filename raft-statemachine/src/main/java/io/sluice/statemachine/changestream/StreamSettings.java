package io.sluice.statemachine.changestream;

import java.time.Duration;

/**
 * A node's change-stream settings.
 *
 * @param window         how much history the node keeps for resuming
 * @param tailEntries    how many recent records the shared in-memory tail holds; streams further behind read the store
 * @param tailBytes      how many bytes of records the tail holds at most
 * @param cursorIdle     how long an unused cursor stays open
 * @param catchUpWait    how long opening a stream waits for this node to reach the resume token's entry (or the client's last write)
 */
public record StreamSettings(HistoryWindow window, int tailEntries, long tailBytes, Duration cursorIdle, Duration catchUpWait) {
  public static final StreamSettings DEFAULT = new StreamSettings(HistoryWindow.DEFAULT, 10_000, 64L << 20, Duration.ofMinutes(10),
      Duration.ofSeconds(5));

  public StreamSettings {
    if (tailEntries < 1 || tailBytes < 1) {
      throw new IllegalArgumentException("the stream tail must hold at least one entry and one byte, got " + tailEntries + " and "
          + tailBytes);
    }
  }
}
