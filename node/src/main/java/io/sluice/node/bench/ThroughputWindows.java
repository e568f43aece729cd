package io.sluice.node.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Completed operations counted in fixed windows of time (one second in the benches) from an origin,
 * and the comparison of the windows that overlap an event (a snapshot) with the windows that overlap
 * none: the throughput dip, measured side by side in one run. Recording is thread-safe and lock-free.
 */
final class ThroughputWindows {
  /** A span of time in nanoseconds since the origin, end inclusive. */
  record Span(long startNanos, long endNanos) {
    Span {
      if (endNanos < startNanos) {
        throw new IllegalArgumentException("a span ends at or after its start, got " + startNanos + ".." + endNanos);
      }
    }

    boolean overlapsWindow(int window, long windowNanos) {
      long windowStart = window * windowNanos;
      return startNanos < windowStart + windowNanos && endNanos >= windowStart;
    }
  }

  /**
   * Throughput while an event ran against the usual throughput.
   *
   * @param baselinePerSecond the median rate of the nearby windows that overlap no event
   * @param duringPerSecond   the rate over the windows that overlap this event, taken together
   * @param ratio             duringPerSecond / baselinePerSecond (1.0 is no dip; NaN if there is no baseline)
   * @param windows           the numbers of the windows that overlap this event
   */
  record Dip(double baselinePerSecond, double duringPerSecond, double ratio, List<Integer> windows) {}

  private final long originNanos;
  private final long windowNanos;
  private final AtomicLongArray counts;

  ThroughputWindows(long originNanos, long windowNanos, int maxWindows) {
    if (windowNanos <= 0 || maxWindows < 1) {
      throw new IllegalArgumentException("windows must be positive in length and number, got " + windowNanos + " ns x " + maxWindows);
    }
    this.originNanos = originNanos;
    this.windowNanos = windowNanos;
    this.counts = new AtomicLongArray(maxWindows);
  }

  /** Counts one operation completed at {@code nanoTime}; ones before the origin or after the last window are dropped. */
  void record(long nanoTime) {
    long window = (nanoTime - originNanos) / windowNanos;
    if (nanoTime >= originNanos && window < counts.length()) {
      counts.incrementAndGet((int) window);
    }
  }

  /** The span from {@code startNanoTime} to {@code endNanoTime} (System.nanoTime values), relative to the origin. */
  Span span(long startNanoTime, long endNanoTime) {
    return new Span(startNanoTime - originNanos, endNanoTime - originNanos);
  }

  /** The counts of the windows that ended before {@code nanoTime} (the window it falls in is still filling). */
  long[] completeWindows(long nanoTime) {
    int complete = (int) Math.min(counts.length(), Math.max(0, (nanoTime - originNanos) / windowNanos));
    long[] out = new long[complete];
    for (int i = 0; i < complete; i++) {
      out[i] = counts.get(i);
    }
    return out;
  }

  long windowNanos() {
    return windowNanos;
  }

  /**
   * The dip of {@code event}: the windows from {@code firstWindow} on that overlap it, against the
   * median of the windows from {@code firstWindow} on that overlap none of {@code allEvents} and lie
   * at most {@code reach} windows before or after it. The reach keeps the comparison local, so that
   * a load whose rate drifts over minutes (JIT warm-up, a growing store) does not bias it.
   */
  static Dip dip(long[] counts, long windowNanos, int firstWindow, Span event, List<Span> allEvents, int reach) {
    double perSecond = (double) TimeUnit.SECONDS.toNanos(1) / windowNanos;
    int eventFirst = (int) (event.startNanos() / windowNanos);
    int eventLast = (int) (event.endNanos() / windowNanos);
    List<Integer> during = new ArrayList<>();
    List<Long> quiet = new ArrayList<>();
    long duringCount = 0;
    for (int w = Math.max(0, firstWindow); w < counts.length; w++) {
      int window = w;
      if (event.overlapsWindow(window, windowNanos)) {
        during.add(window);
        duringCount += counts[window];
      } else if (window >= eventFirst - reach && window <= eventLast + reach
          && allEvents.stream().noneMatch(e -> e.overlapsWindow(window, windowNanos))) {
        quiet.add(counts[window]);
      }
    }
    double baseline = median(quiet.stream().mapToDouble(Long::doubleValue).toArray()) * perSecond;
    double rate = during.isEmpty() ? Double.NaN : duringCount * perSecond / during.size();
    return new Dip(baseline, rate, baseline > 0 ? rate / baseline : Double.NaN, List.copyOf(during));
  }

  /** The median (the mean of the middle two for an even count); NaN for no values. */
  static double median(double[] values) {
    if (values.length == 0) {
      return Double.NaN;
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }
}
