package io.sluice.node.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.node.bench.ThroughputWindows.Dip;
import io.sluice.node.bench.ThroughputWindows.Span;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class ThroughputWindowsTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void operationsFallInTheWindowOfTheirCompletionAndOnlyCompleteWindowsAreGiven() {
    long origin = 5 * SECOND;
    ThroughputWindows windows = new ThroughputWindows(origin, SECOND, 10);
    windows.record(origin - 1); // before the origin: dropped
    windows.record(origin);
    windows.record(origin + SECOND - 1);
    windows.record(origin + SECOND);
    windows.record(origin + 2 * SECOND + 10);
    windows.record(origin + 20 * SECOND); // past the last window: dropped

    assertThat(windows.completeWindows(origin + 2 * SECOND + 500)).containsExactly(2, 1);
    assertThat(windows.completeWindows(origin + 3 * SECOND)).containsExactly(2, 1, 1);
    assertThat(windows.completeWindows(origin + 99 * SECOND)).hasSize(10);
    assertThat(windows.span(origin + SECOND, origin + 2 * SECOND)).isEqualTo(new Span(SECOND, 2 * SECOND));
  }

  @Test
  void aSpanOverlapsEveryWindowItTouchesAndNoOther() {
    Span span = new Span(SECOND + SECOND / 2, 3 * SECOND); // 1.5 s to 3.0 s inclusive
    assertThat(span.overlapsWindow(0, SECOND)).isFalse();
    assertThat(span.overlapsWindow(1, SECOND)).isTrue();
    assertThat(span.overlapsWindow(2, SECOND)).isTrue();
    assertThat(span.overlapsWindow(3, SECOND)).as("ends at the first instant of window 3").isTrue();
    assertThat(span.overlapsWindow(4, SECOND)).isFalse();
    assertThatThrownBy(() -> new Span(2, 1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theDipComparesTheWindowsDuringAnEventWithTheMedianOfWindowsDuringNone() {
    // Window 0 is skipped (firstWindow 1); windows 3-4 overlap the event, window 7 another event.
    long[] counts = {1, 100, 90, 20, 40, 110, 100, 0, 95};
    Span event = new Span(3 * SECOND + 1, 4 * SECOND + 5);
    Span other = new Span(7 * SECOND, 7 * SECOND + 2);

    Dip dip = ThroughputWindows.dip(counts, SECOND, 1, event, List.of(event, other), 100);

    assertThat(dip.windows()).containsExactly(3, 4);
    assertThat(dip.baselinePerSecond()).as("median of 100, 90, 110, 100, 95").isEqualTo(100.0);
    assertThat(dip.duringPerSecond()).isEqualTo(30.0);
    assertThat(dip.ratio()).isCloseTo(0.30, Offset.offset(1e-9));
  }

  @Test
  void onlyQuietWindowsWithinTheReachOfTheEventMakeItsBaseline() {
    // A load that speeds up over time: far windows would make the baseline too high.
    long[] counts = {10, 20, 30, 40, 5, 60, 70, 80, 90, 100};
    Span event = new Span(4 * SECOND, 4 * SECOND + 1);

    Dip dip = ThroughputWindows.dip(counts, SECOND, 0, event, List.of(event), 2);

    assertThat(dip.baselinePerSecond()).as("median of windows 2, 3, 5, 6").isEqualTo(50.0);
    assertThat(dip.ratio()).isEqualTo(0.1);
  }

  @Test
  void ratesAreScaledToPerSecondForOtherWindowLengths() {
    long half = SECOND / 2;
    Span event = new Span(2 * half, 2 * half);
    Dip dip = ThroughputWindows.dip(new long[] {50, 50, 10, 50}, half, 0, event, List.of(event), 10);
    assertThat(dip.baselinePerSecond()).isEqualTo(100.0);
    assertThat(dip.duringPerSecond()).isEqualTo(20.0);
  }

  @Test
  void withoutQuietWindowsOrWindowsDuringTheEventTheFiguresAreNotANumber() {
    Span all = new Span(0, 10 * SECOND);
    Dip dip = ThroughputWindows.dip(new long[] {5, 5}, SECOND, 0, all, List.of(all), 10);
    assertThat(dip.baselinePerSecond()).isNaN();
    assertThat(dip.ratio()).isNaN();

    Span later = new Span(50 * SECOND, 51 * SECOND);
    assertThat(ThroughputWindows.dip(new long[] {5, 5}, SECOND, 0, later, List.of(later), 100).duringPerSecond()).isNaN();
  }

  @Test
  void theMedianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
    assertThat(ThroughputWindows.median(new double[] {4, 1, 3, 2})).isEqualTo(2.5);
    assertThat(ThroughputWindows.median(new double[] {7, 1, 3})).isEqualTo(3.0);
    assertThat(ThroughputWindows.median(new double[0])).isNaN();
  }
}
