package io.sluice.node.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The chart scales bars within one kind of figure and escapes what it prints. */
class FigureChartTest {

  @Test
  void barsOfOneKindAreScaledToTheLargestOfThemAndMissingMediansDrawNoBar() {
    FigureTable table = new FigureTable();
    table.add(1, "a.64.rate", "a <fast>, 64 in flight: writes/s", "%,.0f", 2000);
    table.add(1, "a.64.p50", "  p50 ms", "%.2f", 4);
    table.add(1, "b.64.rate", "b, 64 in flight: writes/s", "%,.0f", 500);
    table.add(1, "b.64.p50", "  p50 ms", "%.2f", 8);
    table.add(1, "ratio.64.rate", "a / b writes/s, 64 in flight", "%.2f", 4);
    table.add(1, "lost", "lost", "%,.0f", Double.NaN);
    String html = FigureChart.html("t & u", table.toMap());
    assertThat(html).contains("<title>t &amp; u</title>", "a &lt;fast&gt;, 64 in flight: writes/s", "a.64: p50 ms", "b.64: p50 ms");
    assertThat(html).containsSubsequence("a &lt;fast&gt;", "width:360px", "a.64: p50 ms", "width:180px", "b, 64 in flight", "width:90px",
        "b.64: p50 ms", "width:360px", "a / b writes/s", "width:360px", "lost", "<td class=\"num\">-</td><td><div class=\"bar\" style=\"width:0px\">");
  }
}
