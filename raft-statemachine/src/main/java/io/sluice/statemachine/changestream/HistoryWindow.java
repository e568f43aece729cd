package io.sluice.statemachine.changestream;

import io.sluice.statemachine.storage.ChangeHistory;
import java.time.Duration;
import java.util.Optional;

/**
 * How much change history a node keeps: the records of at most {@code maxEntries} entries and
 * {@code maxBytes} bytes, and, if {@code maxAge} is set, none older than that behind the newest
 * entry's wall time. Trimming runs on the apply thread after each entry and uses only replicated
 * inputs (the entries' own wall times), so nodes with the same window trim alike.
 */
public record HistoryWindow(long maxEntries, long maxBytes, Optional<Duration> maxAge) {
  public static final HistoryWindow DEFAULT = new HistoryWindow(1_000_000, 1L << 30, Optional.empty());

  public HistoryWindow {
    if (maxEntries < 1 || maxBytes < 1) {
      throw new IllegalArgumentException("a history window keeps at least one entry and one byte, got " + maxEntries
          + " entries and " + maxBytes + " bytes");
    }
    maxAge.ifPresent(age -> {
      if (age.isNegative() || age.isZero()) {
        throw new IllegalArgumentException("a history window's maxAge must be positive, got " + age);
      }
    });
  }

  /** Drops the oldest records until the history fits; the newest record always stays. */
  public void trim(ChangeHistory history, long newestWallTimeMillis) {
    while (history.count() > 1 && (history.count() > maxEntries || history.bytes() > maxBytes || tooOld(history, newestWallTimeMillis))) {
      history.removeFirst();
    }
  }

  private boolean tooOld(ChangeHistory history, long newestWallTimeMillis) {
    if (maxAge.isEmpty()) {
      return false;
    }
    long oldest = history.at(history.firstIndex().orElseThrow()).orElseThrow().getDateTime("wallTime").getValue();
    return newestWallTimeMillis - oldest > maxAge.get().toMillis();
  }
}
