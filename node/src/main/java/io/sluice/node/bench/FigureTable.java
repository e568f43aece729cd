package io.sluice.node.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Figures measured once per run, kept in the order they were first added: printed as a table of the
 * median over runs and every run's figure, and given as a map for JSON. A figure missing from a run
 * (NaN) is shown as "-" and left out of the median.
 */
final class FigureTable {
  private record Row(String label, String format, List<Double> values) {}

  private final Map<String, Row> rows = new LinkedHashMap<>();

  /**
   * Adds run {@code run}'s (1-based) value of the figure {@code key}, shown as {@code label} with
   * {@code format} (a {@link String#format} pattern for one double).
   */
  void add(int run, String key, String label, String format, double value) {
    Row row = rows.computeIfAbsent(key, k -> new Row(label, format, new ArrayList<>()));
    while (row.values().size() < run - 1) {
      row.values().add(Double.NaN);
    }
    if (row.values().size() >= run) {
      throw new IllegalArgumentException("figure " + key + " already has a value for run " + run);
    }
    row.values().add(value);
  }

  /** The median of a figure over the runs that have it (NaN if none has). */
  double median(String key) {
    Row row = rows.get(key);
    if (row == null) {
      throw new IllegalArgumentException("no figure " + key);
    }
    return ThroughputWindows.median(row.values().stream().mapToDouble(Double::doubleValue).filter(v -> !Double.isNaN(v)).toArray());
  }

  /** The table: one line per figure with its median and each of {@code runs} runs. */
  String render(int runs) {
    int labelWidth = Math.max(4, rows.values().stream().mapToInt(r -> r.label().length()).max().orElse(0));
    List<String[]> cells = new ArrayList<>();
    String[] header = new String[runs + 2];
    header[0] = "what";
    header[1] = "median";
    for (int r = 1; r <= runs; r++) {
      header[r + 1] = "run " + r;
    }
    cells.add(header);
    rows.forEach((key, row) -> {
      String[] line = new String[runs + 2];
      line[0] = row.label();
      line[1] = format(row.format(), median(key));
      for (int r = 0; r < runs; r++) {
        line[r + 2] = format(row.format(), r < row.values().size() ? row.values().get(r) : Double.NaN);
      }
      cells.add(line);
    });
    int valueWidth = cells.stream().flatMap(c -> java.util.Arrays.stream(c, 1, c.length)).mapToInt(String::length).max().orElse(6);
    StringBuilder out = new StringBuilder();
    for (String[] line : cells) {
      out.append(String.format("%-" + labelWidth + "s", line[0]));
      for (int i = 1; i < line.length; i++) {
        out.append(String.format("  %" + valueWidth + "s", line[i]));
      }
      out.append(System.lineSeparator());
    }
    return out.toString();
  }

  /** {@code key -> {label, median, runs: [...]}}, NaN as null. */
  Map<String, Object> toMap() {
    Map<String, Object> out = new LinkedHashMap<>();
    rows.forEach((key, row) -> {
      Map<String, Object> figure = new LinkedHashMap<>();
      figure.put("label", row.label());
      figure.put("median", orNull(median(key)));
      figure.put("runs", row.values().stream().map(FigureTable::orNull).toList());
      out.put(key, figure);
    });
    return out;
  }

  private static String format(String format, double value) {
    return Double.isNaN(value) ? "-" : String.format(format, value);
  }

  private static Double orNull(double value) {
    return Double.isNaN(value) ? null : value;
  }
}
