package io.sluice.node.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Progress lines go to standard error once a second, and not at all for an operation done within the first second. */
class ProgressTickerTest {

  @Test
  void aLongOperationGetsALineEverySecondWithTheElapsedTime() {
    StringWriter err = new StringWriter();
    try (ProgressTicker ticker = ProgressTicker.start(new PrintWriter(err), seconds -> "at " + seconds + " s")) {
      await().atMost(Duration.ofSeconds(10)).until(() -> err.toString().lines().count() >= 2);
    }
    java.util.List<String> lines = err.toString().lines().toList();
    assertThat(lines).allMatch(line -> line.matches("at \\d+ s"));
    int first = Integer.parseInt(lines.get(0).replaceAll("\\D", ""));
    int second = Integer.parseInt(lines.get(1).replaceAll("\\D", ""));
    assertThat(first).as("the first line comes after a second").isGreaterThanOrEqualTo(1);
    assertThat(second).as("a second later").isGreaterThan(first);
  }

  @Test
  void aFailingStatusSaysWhyAndTickingGoesOn() {
    StringWriter err = new StringWriter();
    try (ProgressTicker ticker = ProgressTicker.start(new PrintWriter(err), seconds -> {
      throw new IllegalStateException("node gone");
    })) {
      await().atMost(Duration.ofSeconds(10)).until(() -> err.toString().lines().count() >= 2);
    }
    assertThat(err.toString().lines()).allMatch(line -> line.matches("\\d+ s \\(no status: node gone\\)"));
  }

  @Test
  void anOperationDoneWithinASecondPrintsNothing() {
    StringWriter err = new StringWriter();
    int[] calls = {0};
    try (ProgressTicker ticker = ProgressTicker.start(new PrintWriter(err), seconds -> "called " + ++calls[0])) {
      assertThat(err.toString()).isEmpty();
    }
    assertThat(err.toString()).isEmpty();
  }
}
