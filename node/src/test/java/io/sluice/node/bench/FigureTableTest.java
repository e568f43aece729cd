package io.sluice.node.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FigureTableTest {

  @Test
  void eachFigureShowsItsMedianAndEveryRunInTheOrderFiguresWereFirstAdded() {
    FigureTable table = new FigureTable();
    for (int run = 1; run <= 3; run++) {
      table.add(run, "snap", "snapshot (s)", "%.2f", run * 1.5);
      table.add(run, "dip", "  writes while it runs", "%.0f%%", 100.0 - run);
    }

    List<String> lines = Arrays.asList(table.render(3).split("\\R"));

    assertThat(lines).hasSize(3);
    assertThat(lines.get(0).split("\\s{2,}")).containsExactly("what", "median", "run 1", "run 2", "run 3");
    assertThat(lines.get(1).trim().split("\\s{2,}")).containsExactly("snapshot (s)", "3.00", "1.50", "3.00", "4.50");
    assertThat(lines.get(2).trim().split("\\s{2,}")).containsExactly("writes while it runs", "98%", "99%", "98%", "97%");
  }

  @Test
  @SuppressWarnings("unchecked")
  void aFigureMissingFromARunIsADashAndLeftOutOfTheMedian() {
    FigureTable table = new FigureTable();
    table.add(1, "x", "x", "%.0f", 10);
    table.add(3, "x", "x", "%.0f", 20);
    table.add(2, "y", "y", "%.0f", Double.NaN);

    assertThat(table.median("x")).isEqualTo(15.0);
    assertThat(table.render(3).split("\\R")[1].trim().split("\\s+")).containsExactly("x", "15", "10", "-", "20");
    Map<String, Object> y = (Map<String, Object>) table.toMap().get("y");
    assertThat(y.get("median")).isNull();
    assertThat((List<?>) y.get("runs")).containsExactly(null, null);
  }

  @Test
  void aRunGivesAFigureOnce() {
    FigureTable table = new FigureTable();
    table.add(1, "x", "x", "%.0f", 1);
    assertThatThrownBy(() -> table.add(1, "x", "x", "%.0f", 2)).hasMessageContaining("already has a value for run 1");
  }
}
