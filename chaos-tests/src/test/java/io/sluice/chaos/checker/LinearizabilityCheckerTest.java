package io.sluice.chaos.checker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class LinearizabilityCheckerTest {
  private final LinearizabilityChecker checker = new LinearizabilityChecker();

  private static HistoryBuilder history() {
    return new HistoryBuilder();
  }

  private CheckResult check(HistoryBuilder history) {
    return checker.check(history.ops());
  }

  private static void assertValid(CheckResult result) {
    assertThat(result.anomalies()).as(result.toString()).isEmpty();
    assertThat(result.status()).isEqualTo(CheckResult.Status.VALID);
  }

  private static String assertInvalid(CheckResult result) {
    assertThat(result.valid()).as(result.toString()).isFalse();
    assertThat(result.status()).isEqualTo(CheckResult.Status.INVALID);
    assertThat(result.anomalies()).hasSize(1);
    return result.anomalies().get(0);
  }

  @Test
  void emptyHistoryAndAbsentReadsAreValid() {
    assertValid(checker.check(List.of()));
    assertValid(check(history().read(0, "x").ok(0).read(1, "x").ok(1)));
  }

  @Test
  void sequentialWritesAndReads() {
    assertValid(check(history()
        .write(0, "x", 1).ok(0)
        .read(1, "x").ok(1, 1)
        .write(1, "x", 2).ok(1)
        .read(0, "x").ok(0, 2)));
  }

  @Test
  void staleReadAfterACompletedWrite() {
    String anomaly = assertInvalid(check(history()
        .write(0, "x", 1).ok(0)
        .write(0, "x", 2).ok(0)
        .read(1, "x").ok(1, 1)));
    assertThat(anomaly).startsWith("key x: not linearizable").contains("op #4 (process 1, read [1], ok at #5)")
        .contains("with the register at 2");
  }

  @Test
  void lostWrite() {
    String anomaly = assertInvalid(check(history()
        .write(0, "x", 1).ok(0)
        .read(1, "x").ok(1)));
    assertThat(anomaly).contains("read []").contains("the last being op #0 (process 0, write [1], ok at #1)");
  }

  @Test
  void readOfAValueNeverWritten() {
    String anomaly = assertInvalid(check(history()
        .write(0, "x", 1).ok(0)
        .read(1, "x").ok(1, 42)));
    assertThat(anomaly).contains("read [42]");
  }

  @Test
  void twoConcurrentWritesObservedInEitherOrder() {
    // Both writes overlap both reads: 1 then 2, or 2 then 1, are both linearizable.
    assertValid(check(history()
        .write(0, "x", 1).write(1, "x", 2)
        .read(2, "x").ok(2, 1).read(2, "x").ok(2, 2)
        .ok(0).ok(1)));
    assertValid(check(history()
        .write(0, "x", 1).write(1, "x", 2)
        .read(2, "x").ok(2, 2).read(2, "x").ok(2, 1)
        .ok(0).ok(1)));
  }

  @Test
  void concurrentReadsMaySeeTheOldOrTheNewValue() {
    assertValid(check(history()
        .write(0, "x", 1).ok(0)
        .write(0, "x", 2)
        .read(1, "x").read(2, "x")
        .ok(1, 2).ok(2, 1)
        .ok(0)));
  }

  @Test
  void aValueCannotComeBackOnceBothWritesCompleted() {
    assertInvalid(check(history()
        .write(0, "x", 1).write(1, "x", 2).ok(0).ok(1)
        .read(2, "x").ok(2, 1)
        .read(2, "x").ok(2, 2)));
  }

  @Test
  void readsMustAgreeOnTheOrderOfConcurrentWrites() {
    // Process 2 sees 1 then 2 and process 3 sees 2 then 1, in non-overlapping reads.
    assertInvalid(check(history()
        .write(0, "x", 1).write(1, "x", 2)
        .read(2, "x").ok(2, 1)
        .read(3, "x").ok(3, 2)
        .read(2, "x").ok(2, 2)
        .read(3, "x").ok(3, 1)
        .ok(0).ok(1)));
  }

  @Test
  void anInfoWriteMayTakeEffectMuchLater() {
    HistoryBuilder history = history().write(0, "x", 5).info(0);
    for (int i = 1; i <= 20; i++) {
      history.write(1, "x", 100 + i).ok(1).read(2, "x").ok(2, 100 + i);
    }
    assertValid(check(history.read(2, "x").ok(2, 5).read(2, "x").ok(2, 5)));
  }

  @Test
  void anInfoWriteMayNeverTakeEffect() {
    assertValid(check(history()
        .write(0, "x", 5).info(0)
        .read(1, "x").ok(1)
        .write(1, "x", 6).ok(1)
        .read(1, "x").ok(1, 6)));
  }

  @Test
  void aWriteThatNeverCompletedIsLikeAnInfoOne() {
    assertValid(check(history()
        .write(0, "x", 5)
        .read(1, "x").ok(1)
        .read(1, "x").ok(1, 5)));
  }

  @Test
  void anInfoWriteObservedCannotBeUnobserved() {
    String anomaly = assertInvalid(check(history()
        .write(0, "x", 1).ok(0)
        .write(1, "x", 5).info(1)
        .read(2, "x").ok(2, 5)
        .read(2, "x").ok(2, 1)));
    assertThat(anomaly).contains("read [1]").contains("the register at 5");
  }

  @Test
  void aFailedWriteNeverTookEffect() {
    assertInvalid(check(history()
        .write(0, "x", 5).fail(0)
        .read(1, "x").ok(1, 5)));
  }

  @Test
  void infoReadsAreDropped() {
    assertValid(check(history()
        .write(0, "x", 1).ok(0)
        .read(1, "x").info(1)
        .read(2, "x").fail(2)
        .read(2, "x").ok(2, 1)));
  }

  @Test
  void casChainWithAConcurrentFailure() {
    assertValid(check(history()
        .write(0, "x", 0).ok(0)
        .cas(1, "x", 0, 1).ok(1)
        .cas(2, "x", 1, 2).ok(2)
        .read(0, "x").ok(0, 2)
        .cas(1, "x", 2, 3).cas(2, "x", 2, 4).ok(1).fail(2)
        .read(0, "x").ok(0, 3)));
  }

  @Test
  void casCannotApplyToAValueTheRegisterDoesNotHold() {
    String anomaly = assertInvalid(check(history()
        .write(0, "x", 0).ok(0)
        .cas(1, "x", 7, 8).ok(1)));
    assertThat(anomaly).contains("cas [7, 8]");
  }

  @Test
  void casOnAnAbsentDocumentFails() {
    assertInvalid(check(history().cas(0, "x", 0, 1).ok(0)));
  }

  @Test
  void anInfoCasMayApplyLate() {
    assertValid(check(history()
        .write(0, "x", 1).ok(0)
        .cas(1, "x", 1, 2).info(1)
        .read(2, "x").ok(2, 1)
        .read(2, "x").ok(2, 2)));
  }

  @Test
  void twoOkCasesFromTheSameValueCannotBothApply() {
    assertInvalid(check(history()
        .write(0, "x", 1).ok(0)
        .cas(1, "x", 1, 2).cas(2, "x", 1, 3).ok(1).ok(2)));
  }

  @Test
  void keysAreCheckedIndependently() {
    CheckResult result = check(history()
        .write(0, "x", 1).write(1, "y", 1).ok(0).ok(1)
        .read(0, "x").ok(0, 1)
        .read(1, "y").ok(1, 2));
    assertThat(assertInvalid(result)).startsWith("key y:");
    assertThat(result.count("keys")).isEqualTo(2);
  }

  @Test
  void anExhaustedBudgetIsUndecidedNotInvalid() {
    HistoryBuilder history = history();
    for (int p = 0; p < 6; p++) {
      history.write(p, "x", p);
    }
    for (int p = 0; p < 6; p++) {
      history.info(p);
    }
    for (int p = 5; p >= 0; p--) {
      history.read(9, "x").ok(9, p);
    }
    CheckResult result = new LinearizabilityChecker(5).check(history.ops());
    assertThat(result.valid()).isTrue();
    assertThat(result.status()).isEqualTo(CheckResult.Status.UNKNOWN);
    assertThat(result.undecided()).singleElement().asString().startsWith("undecided: key x: gave up");
    assertValid(checker.check(history.ops()));
  }
}
