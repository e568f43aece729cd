package io.sluice.node.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/** A latency distribution in microseconds (HdrHistogram), with its count of negative samples kept apart. */
final class Latency {
  private final Histogram histogram = new ConcurrentHistogram(3);
  private long early;

  /** Records {@code nanos}; a negative value (an event seen before its write's acknowledgement) counts as 0 and as early. */
  synchronized void recordNanos(long nanos) {
    if (nanos < 0) {
      early++;
      nanos = 0;
    }
    histogram.recordValue(nanos / 1000);
  }

  long count() {
    return histogram.getTotalCount();
  }

  double percentileMillis(double percentile) {
    return histogram.getValueAtPercentile(percentile) / 1000.0;
  }

  String summary() {
    return String.format("n=%d p50=%.2f ms p99=%.2f ms p99.9=%.2f ms max=%.2f ms%s", count(), percentileMillis(50), percentileMillis(99),
        percentileMillis(99.9), histogram.getMaxValue() / 1000.0, early > 0 ? " (" + early + " before the ack)" : "");
  }

  Map<String, Object> toMap() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("count", count());
    map.put("p50_ms", percentileMillis(50));
    map.put("p99_ms", percentileMillis(99));
    map.put("p999_ms", percentileMillis(99.9));
    map.put("max_ms", histogram.getMaxValue() / 1000.0);
    map.put("before_ack", early);
    return map;
  }
}
