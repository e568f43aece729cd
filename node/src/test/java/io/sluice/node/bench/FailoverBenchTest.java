package io.sluice.node.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The unavailability window: the longest gap between consecutive acknowledgements that ends after the kill. */
class FailoverBenchTest {

  @Test
  void theWindowSpansTheKillFromTheLastAckBeforeItToTheFirstAfter() {
    assertThat(FailoverBench.longestGapAfter(List.of(10L, 20L, 30L, 130L, 140L), 35)).isEqualTo(100.0);
  }

  @Test
  void aLongerGapLaterAfterTheKillCountsAndGapsBeforeItDoNot() {
    assertThat(FailoverBench.longestGapAfter(List.of(0L, 500L, 510L, 520L, 800L, 810L), 505)).isEqualTo(280.0);
  }

  @Test
  void nothingAfterTheKillIsNotANumber() {
    assertThat(FailoverBench.longestGapAfter(List.of(1L, 2L), 5)).isNaN();
  }
}
