package io.sluice.chaos.history;

import io.sluice.chaos.checker.CheckResult;
import io.sluice.chaos.history.HistoryFiles.Recorded;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** The text of {@code summary.txt}. */
final class HistorySummary {
  private HistorySummary() {}

  static String of(String name, long seed, Recorded history, Map<String, CheckResult> results, int perChecker) {
    StringBuilder out = new StringBuilder();
    out.append("run       ").append(name).append(", seed ").append(seed).append('\n');
    out.append("span      ").append(seconds(span(history))).append(" s\n");
    out.append("ops       ").append(opCounts(history.ops())).append('\n');
    opCountsByF(history.ops()).forEach((f, counts) -> out.append(String.format(Locale.ROOT, "  %-10s%s%n", f, counts)));
    out.append("streams   ").append(streamCounts(history.streams())).append('\n');
    out.append("faults    ").append(history.faults().size()).append('\n');

    out.append("\ncheckers\n");
    results.forEach((checker, result) -> out.append(String.format(Locale.ROOT, "  %-20s %-8s anomalies %d, undecided %d  %s%n",
        checker, result.status(), result.anomalies().size(), result.undecided().size(), result.counts())));

    out.append("\ntimeline (seconds since the start; faults and findings)\n");
    List<TimelineLine> timeline = new ArrayList<>();
    history.faults().forEach(f -> timeline.add(new TimelineLine(f.nanos(), "fault       " + f.description())));
    List<String> untimed = new ArrayList<>();
    results.forEach((checker, result) -> {
      List<CheckResult.Finding> findings = result.findings();
      for (int i = 0; i < findings.size() && i < perChecker; i++) {
        CheckResult.Finding finding = findings.get(i);
        String text = "[" + checker + "] " + finding.text();
        if (finding.nanos() < 0) {
          untimed.add(text);
        } else {
          timeline.add(new TimelineLine(finding.nanos(), text));
        }
      }
      if (findings.size() > perChecker) {
        untimed.add("[" + checker + "] " + (findings.size() - perChecker) + " more findings not shown");
      }
    });
    timeline.sort(Comparator.comparingLong(TimelineLine::nanos));
    timeline.forEach(line -> out.append(String.format(Locale.ROOT, "  %10s  %s%n", seconds(line.nanos()), line.text())));
    untimed.forEach(text -> out.append(String.format(Locale.ROOT, "  %10s  %s%n", "-", text)));
    return out.toString();
  }

  private record TimelineLine(long nanos, String text) {}

  private static long span(Recorded history) {
    long last = 0;
    for (Op op : history.ops()) {
      last = Math.max(last, op.nanos());
    }
    for (StreamRecord record : history.streams()) {
      last = Math.max(last, record.nanos());
    }
    for (History.Fault fault : history.faults()) {
      last = Math.max(last, fault.nanos());
    }
    return last;
  }

  private static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.3f", nanos / 1e9);
  }

  private static String opCounts(List<Op> ops) {
    Map<OpType, Integer> byType = new TreeMap<>();
    ops.forEach(op -> byType.merge(op.type(), 1, Integer::sum));
    return byType.getOrDefault(OpType.INVOKE, 0) + " invoked: " + byType.getOrDefault(OpType.OK, 0) + " ok, "
        + byType.getOrDefault(OpType.FAIL, 0) + " fail, " + byType.getOrDefault(OpType.INFO, 0) + " info";
  }

  private static Map<String, String> opCountsByF(List<Op> ops) {
    Map<String, List<Op>> byF = new TreeMap<>();
    ops.forEach(op -> byF.computeIfAbsent(String.valueOf(op.f()), f -> new ArrayList<>()).add(op));
    Map<String, String> counts = new TreeMap<>();
    byF.forEach((f, own) -> counts.put(f, opCounts(own)));
    return counts;
  }

  private static String streamCounts(List<StreamRecord> records) {
    long consumers = records.stream().mapToInt(StreamRecord::consumer).distinct().count();
    Map<StreamRecord.Kind, Integer> byKind = new TreeMap<>();
    records.forEach(r -> byKind.merge(r.kind(), 1, Integer::sum));
    return consumers + " consumers: " + byKind.getOrDefault(StreamRecord.Kind.OPEN, 0) + " open, "
        + byKind.getOrDefault(StreamRecord.Kind.EVENT, 0) + " event, " + byKind.getOrDefault(StreamRecord.Kind.PROGRESS, 0)
        + " progress, " + byKind.getOrDefault(StreamRecord.Kind.RESUME, 0) + " resume";
  }
}
