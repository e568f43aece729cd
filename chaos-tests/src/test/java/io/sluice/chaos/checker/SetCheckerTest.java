package io.sluice.chaos.checker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SetCheckerTest {
  private final SetChecker checker = new SetChecker();

  /** Adds 1 ok, 2 failed, 3 and 4 info; process 9 reads at the end. */
  private static HistoryBuilder adds() {
    return new HistoryBuilder()
        .add(0, "s", 1).add(1, "s", 2).add(2, "s", 3).add(3, "s", 4)
        .okAt(0, 10).fail(1).info(2).info(3);
  }

  @Test
  void okPresentFailedAbsentInfoEither() {
    CheckResult result = checker.check(adds().readAll(9, "s").ok(9, 1, 3).ops());
    assertThat(result.status()).as(result.toString()).isEqualTo(CheckResult.Status.VALID);
    assertThat(result.count("ok")).isEqualTo(1);
    assertThat(result.count("fail")).isEqualTo(1);
    assertThat(result.count("info")).isEqualTo(2);
    assertThat(result.count("info-present")).isEqualTo(1);
    assertThat(result.count("info-absent")).isEqualTo(1);
    assertThat(result.count("read")).isEqualTo(2);
  }

  @Test
  void lostAcknowledgedAdd() {
    CheckResult result = checker.check(adds().readAll(9, "s").ok(9, 3).ops());
    assertThat(result.anomalies()).singleElement().asString()
        .startsWith("set s: lost value 1: op #0 (process 0, add [1], ok at #4)");
    assertThat(result.count("lost")).isEqualTo(1);
  }

  @Test
  void failedAddPresent() {
    CheckResult result = checker.check(adds().readAll(9, "s").ok(9, 1, 2).ops());
    assertThat(result.anomalies()).singleElement().asString().startsWith("set s: failed add present: value 2");
  }

  @Test
  void unexpectedValue() {
    CheckResult result = checker.check(adds().readAll(9, "s").ok(9, 1, 77).ops());
    assertThat(result.anomalies()).singleElement().asString().contains("unexpected value 77").endsWith("never added");
  }

  @Test
  void valueReadBeforeItsAddWasInvoked() {
    CheckResult result = checker.check(adds().readAll(9, "s").ok(9, 1, 5).add(0, "s", 5).okAt(0, 11).ops());
    assertThat(result.anomalies()).singleElement().asString().contains("unexpected value 5").contains("read before");
  }

  @Test
  void duplicatedValue() {
    CheckResult result = checker.check(adds().readAll(9, "s").ok(9, 1, 1).ops());
    assertThat(result.anomalies()).singleElement().asString().contains("duplicated value 1: appears 2 times");
  }

  @Test
  void anAddAcknowledgedDuringTheFinalReadMayBeMissing() {
    CheckResult result = checker.check(adds().readAll(9, "s").add(5, "s", 6).okAt(5, 12).ok(9, 1).ops());
    assertThat(result.status()).as(result.toString()).isEqualTo(CheckResult.Status.VALID);
  }

  @Test
  void theLastOkReadIsTheFinalOne() {
    CheckResult result = checker.check(adds()
        .readAll(9, "s").ok(9) // an early read, before anything was visible
        .readAll(9, "s").fail(9)
        .readAll(9, "s").ok(9, 1).ops());
    assertThat(result.status()).as(result.toString()).isEqualTo(CheckResult.Status.VALID);
  }

  @Test
  void setsAreCheckedSeparately() {
    CheckResult result = checker.check(adds()
        .add(0, "t", 1).okAt(0, 20)
        .readAll(9, "s").ok(9, 1)
        .readAll(9, "t").ok(9).ops());
    assertThat(result.anomalies()).singleElement().asString().startsWith("set t: lost value 1");
  }

  @Test
  void withoutAFinalReadTheSetIsUndecided() {
    CheckResult result = checker.check(adds().readAll(9, "s").info(9).ops());
    assertThat(result.valid()).isTrue();
    assertThat(result.status()).isEqualTo(CheckResult.Status.UNKNOWN);
    assertThat(result.undecided()).singleElement().asString().startsWith("undecided: set s: no ok final read-all");
  }
}
