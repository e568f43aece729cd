package io.sluice.chaos.checker;

import static io.sluice.chaos.checker.ChangeStreamChecker.describe;

import io.sluice.chaos.checker.ChangeStreamChecker.Committed;
import io.sluice.chaos.checker.ChangeStreamChecker.Delivery;
import io.sluice.chaos.history.OpType;
import io.sluice.chaos.history.StreamRecord;
import io.sluice.protocol.ResumeToken;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The checks of one change-stream consumer, over its records in the order they were recorded.
 *
 * <p>The covered range. A consumer is a run of segments; a segment begins at an OPEN, or at a
 * RESUME without token (the consumer had nothing to resume from, so it started again from "now").
 * A segment starts after its token; when opened without one, after the first position the consumer
 * reported (its first event or progress token): writes at or before it are not required, which is
 * conservative. A RESUME with a token continues its segment. A segment ends at the highest event or
 * progress token it reported. An acknowledged add at log index {@code L} is required in a segment
 * {@code (start, end]} when {@code start.index < L} and either {@code L < end.index} or {@code end}
 * is a high-water mark at {@code L} (an event token at {@code L} covers only itself; entries hold
 * one event each). Ordering and uniqueness hold across all segments of a consumer. Besides
 * acknowledged adds, a write of unknown outcome that some consumer delivered is committed at the
 * index it was delivered at, so every consumer covering that index owes it too.
 *
 * <p>Reopens. A RESUME must be after the consumer's last token, the highest position it reported
 * ({@code resume-behind} otherwise). After an OPEN or RESUME with token {@code T}, the next event
 * must lie after {@code T}.
 * A missing acknowledged add between a RESUME's {@code T} and what the consumer saw next (its first
 * event, else its highest progress) is reported as {@code resume-skip} instead of {@code gap}.
 */
final class ConsumerCheck {
  private static final class Segment {
    ResumeToken start;
    ResumeToken end;
  }

  /** What followed a reopen after {@code from}: the first event, else the highest progress. */
  private static final class Reopen {
    final StreamRecord record;
    final ResumeToken from;
    ResumeToken firstEvent;
    ResumeToken progress;

    Reopen(StreamRecord record, ResumeToken from) {
      this.record = record;
      this.from = from;
    }

    boolean isResume() {
      return record.kind() == StreamRecord.Kind.RESUME;
    }

    /** Whether an entry at {@code index} lies between the reopen and what came next. */
    boolean skipped(long index) {
      if (index <= from.index()) {
        return false;
      }
      if (firstEvent != null) {
        return index < firstEvent.index();
      }
      return progress != null && (index < progress.index()
          || index == progress.index() && progress.kind() == ResumeToken.Kind.HIGH_WATER_MARK);
    }
  }

  private final int consumer;
  private final Map<Long, Operation> writes;
  private final CheckResult.Builder result;
  private final List<Segment> segments = new ArrayList<>();
  private final List<Reopen> reopens = new ArrayList<>();
  private final Map<Long, ResumeToken> delivered = new HashMap<>();
  private final List<Delivery> deliveries = new ArrayList<>();
  private ResumeToken lastEvent;
  private ResumeToken lastProgress;

  ConsumerCheck(int consumer, Map<Long, Operation> writes, CheckResult.Builder result) {
    this.consumer = consumer;
    this.writes = writes;
    this.result = result;
  }

  /** Checks the order and content of the consumer's records and returns its deliveries, in order. */
  List<Delivery> run(List<StreamRecord> records) {
    for (StreamRecord record : records) {
      ResumeToken token;
      try {
        token = record.token() == null ? null : ResumeToken.parse(record.token());
      } catch (RuntimeException e) {
        anomaly(record.nanos(), "bad-token", record.kind() + " record with token " + record.token() + ": " + e.getMessage());
        continue;
      }
      switch (record.kind()) {
        case OPEN -> open(record, token);
        case RESUME -> resume(record, token);
        case EVENT -> event(record, token);
        case PROGRESS -> progress(record, token);
      }
    }
    return deliveries;
  }

  private void open(StreamRecord record, ResumeToken token) {
    Segment segment = new Segment();
    segment.start = token;
    segments.add(segment);
    if (token != null) {
      reopens.add(new Reopen(record, token));
    }
  }

  private void resume(StreamRecord record, ResumeToken token) {
    result.increment("resumes");
    if (token == null || segments.isEmpty()) {
      open(record, token);
      return;
    }
    Segment segment = current();
    if (segment.start == null) {
      segment.start = token;
    } else if (segment.end != null && token.compareTo(segment.end) < 0) {
      // Resuming from an older token than the consumer reached re-delivers events by design.
      anomaly(record.nanos(), "resume-behind", "resumed on node " + record.node() + " after " + describe(token)
          + " though the consumer had reached " + describe(segment.end) + " (the consumer must resume from its last"
          + " token; duplicates may follow)");
    }
    reopens.add(new Reopen(record, token));
  }

  private void event(StreamRecord record, ResumeToken token) {
    result.increment("events");
    if (token == null || record.value() == null) {
      anomaly(record.nanos(), "bad-token", "event without token or value: " + record);
      return;
    }
    long value = record.value();
    String at = "value " + value + " at " + describe(token);
    // The same event again (say, after resuming from an older token) is a duplicate, not also a reorder.
    if (!token.equals(delivered.get(value))) {
      checkOrder(record, token, at);
    }
    Reopen reopen = reopens.isEmpty() ? null : reopens.get(reopens.size() - 1);
    if (reopen != null && reopen.firstEvent == null) {
      reopen.firstEvent = token;
      if (token.compareTo(reopen.from) <= 0) {
        anomaly(record.nanos(), reopen.isResume() ? "resume-backwards" : "reorder", at + " is the first event after the "
            + reopenName(reopen) + ", not after it");
      }
    }
    ResumeToken earlier = delivered.putIfAbsent(value, token);
    if (earlier != null) {
      anomaly(record.nanos(), "duplicate", at + " was already delivered at " + describe(earlier));
    }
    checkAgainstWrite(record, token, value, at);
    lastEvent = token;
    extend(token);
    deliveries.add(new Delivery(consumer, value, token, record));
  }

  private void checkOrder(StreamRecord record, ResumeToken token, String at) {
    if (lastEvent != null && token.compareTo(lastEvent) <= 0) {
      anomaly(record.nanos(), "reorder", at + " came after the event at " + describe(lastEvent));
    } else if (lastProgress != null && token.compareTo(lastProgress) <= 0) {
      anomaly(record.nanos(), "behind-progress", at + " came after progress to " + describe(lastProgress));
    }
  }

  private void checkAgainstWrite(StreamRecord record, ResumeToken token, long value, String at) {
    Operation write = writes.get(value);
    if (write == null) {
      anomaly(record.nanos(), "phantom", at + " was never added");
      return;
    }
    if (write.outcome() == OpType.FAIL) {
      anomaly(record.nanos(), "failed-write-delivered", at + " comes from the failed " + write.describe());
    } else if (write.outcome() == OpType.OK && write.logIndex() != null && write.logIndex() != token.index()) {
      anomaly(record.nanos(), "misplaced", at + " but " + write.describe() + " was applied at index " + write.logIndex());
    }
    if (record.nanos() < write.invoke().nanos()) {
      anomaly(record.nanos(), "premature", at + " was delivered before " + write.describe() + " was invoked");
    }
    if (write.outcome() == OpType.INFO) {
      result.increment("info-delivered");
    }
  }

  private void progress(StreamRecord record, ResumeToken token) {
    result.increment("progress");
    if (token == null) {
      return;
    }
    if (lastProgress != null && token.compareTo(lastProgress) < 0) {
      anomaly(record.nanos(), "progress-backwards", "progress to " + describe(token) + " after progress to "
          + describe(lastProgress));
    }
    Reopen reopen = reopens.isEmpty() ? null : reopens.get(reopens.size() - 1);
    if (reopen != null && reopen.firstEvent == null && (reopen.progress == null || token.compareTo(reopen.progress) > 0)) {
      reopen.progress = token;
    }
    lastProgress = token;
    extend(token);
  }

  private void extend(ResumeToken token) {
    if (segments.isEmpty()) {
      segments.add(new Segment()); // records before any OPEN: as if opened from "now"
    }
    Segment segment = current();
    if (segment.start == null) {
      segment.start = token;
    }
    if (segment.end == null || token.compareTo(segment.end) > 0) {
      segment.end = token;
    }
  }

  /**
   * Every committed write inside a segment must have been delivered (exactly once: a second delivery
   * was reported as a duplicate already).
   *
   * @param committed the log index of each value known to be committed, with how it is known
   */
  void checkCoverage(Map<Long, Committed> committed) {
    committed.entrySet().stream()
        .filter(e -> segments.stream().anyMatch(s -> covers(s, e.getValue().index())))
        .sorted(Map.Entry.comparingByValue(Comparator.comparingLong(Committed::index)))
        .forEach(e -> checkCovered(e.getKey(), e.getValue()));
  }

  private void checkCovered(long value, Committed committed) {
    result.increment("covered-writes");
    if (delivered.containsKey(value)) {
      return;
    }
    long index = committed.index();
    Operation write = writes.get(value);
    String what = "value " + value + " of " + write.describe() + " at index " + index
        + (committed.deliveredBy() == null ? "" : " (as delivered to consumer " + committed.deliveredBy() + ")");
    for (Reopen reopen : reopens) {
      if (reopen.isResume() && reopen.skipped(index)) {
        String next = reopen.firstEvent != null ? "its first event at " + describe(reopen.firstEvent)
            : "progress to " + describe(reopen.progress);
        anomaly(write.lastNanos(), "resume-skip", what + " was never delivered: the " + reopenName(reopen)
            + " went on to " + next);
        return;
      }
    }
    anomaly(write.lastNanos(), "gap", what + " was never delivered though covered by " + describeSegments());
  }

  private static boolean covers(Segment segment, long index) {
    if (segment.start == null || segment.end == null || index <= segment.start.index()) {
      return false;
    }
    ResumeToken end = segment.end;
    return index < end.index() || index == end.index() && end.kind() == ResumeToken.Kind.HIGH_WATER_MARK;
  }

  private String describeSegments() {
    List<String> ranges = new ArrayList<>();
    for (Segment s : segments) {
      if (s.start != null && s.end != null) {
        ranges.add("(" + describe(s.start) + ", " + describe(s.end) + "]");
      }
    }
    return String.join(" ", ranges);
  }

  private static String reopenName(Reopen reopen) {
    return reopen.record.kind().name().toLowerCase() + " on node " + reopen.record.node() + " after token "
        + reopen.record.token() + " (" + describe(reopen.from) + ")";
  }

  private Segment current() {
    return segments.get(segments.size() - 1);
  }

  private void anomaly(long nanos, String kind, String text) {
    result.increment(kind).anomaly(nanos, "consumer " + consumer + ": " + kind + ": " + text);
  }
}
