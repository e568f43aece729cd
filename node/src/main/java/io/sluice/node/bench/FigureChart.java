package io.sluice.node.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A bench's figures as a small HTML page of horizontal bars (the median of each figure, its runs
 * beside it), for a README or a pull request. Bars are scaled among the figures of one kind: those
 * whose keys end alike ({@code .rate}, {@code .p99}, ...), so throughputs compare with throughputs.
 */
final class FigureChart {
  private static final int BAR_PIXELS = 360;

  private FigureChart() {}

  /** @param figures as {@link FigureTable#toMap()} gives them: {@code key -> {label, median, runs}} */
  @SuppressWarnings("unchecked")
  static String html(String title, Map<String, Object> figures) {
    Map<String, Double> largest = new LinkedHashMap<>();
    figures.forEach((key, value) -> {
      Object median = ((Map<String, Object>) value).get("median");
      if (median instanceof Number n) {
        largest.merge(kind(key), Math.abs(n.doubleValue()), Math::max);
      }
    });
    StringBuilder html = new StringBuilder();
    html.append("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>").append(escape(title)).append("</title>\n")
        .append("<style>body{font:14px sans-serif;margin:2em}td{padding:2px 8px;white-space:nowrap}")
        .append(".bar{background:#3b7dd8;height:12px}.num{text-align:right}.runs{color:#777}</style></head><body>\n")
        .append("<h1>").append(escape(title)).append("</h1>\n<table>\n");
    figures.forEach((key, value) -> {
      Map<String, Object> figure = (Map<String, Object>) value;
      Object median = figure.get("median");
      double width = median instanceof Number n && largest.get(kind(key)) > 0 ? BAR_PIXELS * Math.abs(n.doubleValue()) / largest.get(kind(key)) : 0;
      html.append("<tr><td>").append(escape(label(key, String.valueOf(figure.get("label"))))).append("</td><td class=\"num\">")
          .append(median == null ? "-" : format(((Number) median).doubleValue())).append("</td><td><div class=\"bar\" style=\"width:")
          .append(Math.round(width)).append("px\"></div></td><td class=\"runs\">runs: ").append(escape(runs(figure.get("runs"))))
          .append("</td></tr>\n");
    });
    return html.append("</table>\n</body></html>\n").toString();
  }

  /** Figures of one kind share the end of their key; ratios are a kind of their own. */
  private static String kind(String key) {
    String end = key.substring(key.lastIndexOf('.') + 1);
    return key.startsWith("ratio.") ? "ratio." + end : end;
  }

  /** Indented labels ("  p99 ms") belong to the figure named by the start of their key. */
  private static String label(String key, String label) {
    return label.startsWith(" ") && key.contains(".") ? key.substring(0, key.lastIndexOf('.')) + ": " + label.strip() : label;
  }

  private static String runs(Object runs) {
    if (!(runs instanceof Iterable<?> values)) {
      return "";
    }
    StringBuilder out = new StringBuilder();
    for (Object v : values) {
      out.append(out.length() > 0 ? ", " : "").append(v instanceof Number n ? format(n.doubleValue()) : "-");
    }
    return out.toString();
  }

  private static String format(double value) {
    return Math.abs(value) >= 100 ? String.format(java.util.Locale.ROOT, "%,.0f", value) : String.format(java.util.Locale.ROOT, "%.2f", value);
  }

  private static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
