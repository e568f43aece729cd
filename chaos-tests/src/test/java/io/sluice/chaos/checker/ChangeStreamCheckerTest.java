package io.sluice.chaos.checker;

import static io.sluice.chaos.checker.HistoryBuilder.event;
import static io.sluice.chaos.checker.HistoryBuilder.hwm;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ChangeStreamCheckerTest {
  private final ChangeStreamChecker checker = new ChangeStreamChecker();

  /** Values 1 to 5 acknowledged at log index 10 + value; 6 unknown (it was applied at 16); 7 failed. */
  private static HistoryBuilder writes() {
    HistoryBuilder history = new HistoryBuilder();
    for (long v = 1; v <= 5; v++) {
      history.add(0, "c", v).okAt(0, 10 + v);
    }
    return history.add(0, "c", 6).info(0).add(0, "c", 7).fail(0);
  }

  private CheckResult check(HistoryBuilder history) {
    return checker.check(history.ops(), history.streams());
  }

  private static void assertValid(CheckResult result) {
    assertThat(result.anomalies()).as(result.toString()).isEmpty();
    assertThat(result.status()).isEqualTo(CheckResult.Status.VALID);
  }

  private static String assertOneAnomaly(CheckResult result, String prefix) {
    assertThat(result.anomalies()).as(result.toString()).singleElement().asString().startsWith(prefix);
    return result.anomalies().get(0);
  }

  @Test
  void consumersWithResumesAgree() {
    CheckResult result = check(writes()
        // consumer 0 opens from "now", resumes after its progress token on another node
        .open(0, null).delivered(0, 11, 1).delivered(0, 12, 2).progress(0, hwm(12))
        .resume(0, "n2", hwm(12))
        .delivered(0, 13, 3).delivered(0, 14, 4).delivered(0, 15, 5).delivered(0, 16, 6).progress(0, hwm(20))
        // consumer 1 opens after entry 12 and resumes after an event token
        .open(1, hwm(12)).delivered(1, 13, 3)
        .resume(1, "n3", event(13))
        .delivered(1, 14, 4).delivered(1, 15, 5).progress(1, hwm(15))
        // consumer 2 starts from "now" with a bare progress token
        .open(2, null).progress(2, hwm(14)).delivered(2, 15, 5).progress(2, hwm(15))
        .resume(2, "n1", hwm(15)).delivered(2, 16, 6).progress(2, hwm(18)));
    assertValid(result);
    assertThat(result.count("consumers")).isEqualTo(3);
    assertThat(result.count("resumes")).isEqualTo(3);
    assertThat(result.count("info-delivered")).isEqualTo(2);
  }

  @Test
  void anUnknownWriteOneConsumerDeliveredIsOwedByTheOthers() {
    assertOneAnomaly(check(writes()
        .open(0, hwm(15)).delivered(0, 16, 6)
        .open(1, hwm(15)).progress(1, hwm(17))),
        "consumer 1: gap: value 6 of op #10 (process 0, add [6], info at #11) at index 16 (as delivered to consumer 0)");
  }

  @Test
  void anUnknownWriteNobodyDeliveredIsOwedByNobody() {
    assertValid(check(writes().open(0, hwm(15)).progress(0, hwm(17))));
  }

  @Test
  void aConsumerOpenedFromNowOwesNothingBeforeItsFirstPosition() {
    assertValid(check(writes().open(0, null).delivered(0, 13, 3).delivered(0, 14, 4).delivered(0, 15, 5)));
  }

  @Test
  void anEventTokenCoversOnlyItselfAHighWaterMarkItsWholeEntry() {
    assertValid(check(writes().open(0, hwm(10)).delivered(0, 11, 1).delivered(0, 12, 2)));
    assertOneAnomaly(check(writes().open(0, hwm(10)).delivered(0, 11, 1).delivered(0, 12, 2).progress(0, hwm(13))),
        "consumer 0: gap: value 3 of op #4");
  }

  @Test
  void gap() {
    String anomaly = assertOneAnomaly(check(writes()
        .open(0, null).delivered(0, 11, 1).delivered(0, 12, 2).delivered(0, 14, 4).delivered(0, 15, 5)),
        "consumer 0: gap: value 3");
    assertThat(anomaly).contains("at index 13").contains("(11:0, 15:0]");
  }

  @Test
  void gapBehindAProgressToken() {
    CheckResult result = check(writes().open(0, hwm(10)).delivered(0, 11, 1).progress(0, hwm(13)));
    assertThat(result.anomalies()).hasSize(2).allMatch(line -> line.startsWith("consumer 0: gap: value "));
    assertThat(result.count("gap")).isEqualTo(2);
  }

  @Test
  void duplicate() {
    assertOneAnomaly(check(writes().open(0, hwm(15)).delivered(0, 16, 6).delivered(0, 17, 6)),
        "consumer 0: duplicate: value 6 at 17:0 was already delivered at 16:0");
  }

  @Test
  void duplicateAfterAResume() {
    CheckResult result = check(writes()
        .open(0, null).delivered(0, 11, 1).delivered(0, 12, 2)
        .resume(0, "n2", event(12))
        .delivered(0, 12, 2).delivered(0, 13, 3));
    assertThat(result.anomalies()).containsExactly(
        "consumer 0: resume-backwards: value 2 at 12:0 is the first event after the resume on node n2 after token "
            + event(12) + " (12:0), not after it",
        "consumer 0: duplicate: value 2 at 12:0 was already delivered at 12:0");
  }

  @Test
  void aResumeBehindTheConsumersOwnPositionIsReported() {
    CheckResult result = check(writes()
        .open(0, null).delivered(0, 11, 1).delivered(0, 12, 2)
        .resume(0, "n2", event(11))
        .delivered(0, 12, 2).delivered(0, 13, 3));
    assertThat(result.anomalies()).hasSize(2);
    assertThat(result.anomalies().get(0)).startsWith("consumer 0: resume-behind: resumed on node n2 after 11:0 though"
        + " the consumer had reached 12:0");
    assertThat(result.anomalies().get(1)).startsWith("consumer 0: duplicate: value 2");
  }

  @Test
  void reorder() {
    assertOneAnomaly(check(writes()
        .open(0, null).delivered(0, 11, 1).delivered(0, 13, 3).delivered(0, 12, 2).delivered(0, 14, 4)),
        "consumer 0: reorder: value 2 at 12:0 came after the event at 13:0");
  }

  @Test
  void eventBehindProgress() {
    assertOneAnomaly(check(writes()
        .open(0, hwm(10)).delivered(0, 11, 1).progress(0, hwm(12)).delivered(0, 12, 2)),
        "consumer 0: behind-progress: value 2 at 12:0 came after progress to 12:hwm");
  }

  @Test
  void progressGoingBackwards() {
    assertOneAnomaly(check(writes()
        .open(0, null).progress(0, hwm(13)).delivered(0, 14, 4).progress(0, hwm(12))),
        "consumer 0: progress-backwards: progress to 12:hwm after progress to 13:hwm");
  }

  @Test
  void eventOfAFailedWrite() {
    assertOneAnomaly(check(writes().open(0, hwm(15)).delivered(0, 17, 7)),
        "consumer 0: failed-write-delivered: value 7 at 17:0 comes from the failed op #12");
  }

  @Test
  void eventOfAValueNeverAdded() {
    assertOneAnomaly(check(writes().open(0, hwm(15)).delivered(0, 17, 99)),
        "consumer 0: phantom: value 99 at 17:0 was never added");
  }

  @Test
  void eventAtAnotherIndexThanItsWrite() {
    assertOneAnomaly(check(writes().open(0, hwm(12)).delivered(0, 13, 3).delivered(0, 15, 4)),
        "consumer 0: misplaced: value 4 at 15:0 but op #6");
  }

  @Test
  void eventBeforeItsWriteWasInvoked() {
    HistoryBuilder history = writes().open(0, hwm(15)).delivered(0, 16, 8);
    assertOneAnomaly(check(history.add(0, "c", 8).okAt(0, 16)), "consumer 0: premature: value 8 at 16:0");
  }

  @Test
  void resumeThatSkipped() {
    String anomaly = assertOneAnomaly(check(writes()
        .open(0, null).delivered(0, 11, 1).delivered(0, 12, 2)
        .resume(0, "n2", event(12))
        .delivered(0, 14, 4).delivered(0, 15, 5)),
        "consumer 0: resume-skip: value 3");
    assertThat(anomaly).contains("resume on node n2 after token " + event(12)).contains("its first event at 14:0");
  }

  @Test
  void resumeThatSkippedToAProgressToken() {
    String anomaly = assertOneAnomaly(check(writes()
        .open(0, null).delivered(0, 11, 1)
        .resume(0, "n3", event(11))
        .progress(0, hwm(12))),
        "consumer 0: resume-skip: value 2");
    assertThat(anomaly).contains("progress to 12:hwm");
  }

  @Test
  void resumeThatWentBack() {
    CheckResult result = check(writes()
        .open(0, null).delivered(0, 11, 1).delivered(0, 12, 2)
        .resume(0, "n2", event(12))
        .delivered(0, 11, 1));
    assertThat(result.anomalies()).anyMatch(line -> line.startsWith("consumer 0: resume-backwards: value 1 at 11:0"));
    assertThat(result.valid()).isFalse();
  }

  @Test
  void consumersDisagreeOnAPosition() {
    HistoryBuilder history = writes().add(1, "c", 50).info(1).add(1, "c", 51).info(1);
    String anomaly = assertOneAnomaly(check(history
        .open(0, hwm(19)).delivered(0, 20, 50)
        .open(1, hwm(19)).delivered(1, 20, 51)),
        "consumer 1: divergent: position 20:0 carries value 51 but value 50 on consumer 0");
    assertThat(anomaly).isNotEmpty();
  }

  @Test
  void consumersDisagreeOnAValuesPosition() {
    HistoryBuilder history = writes().add(1, "c", 50).info(1);
    assertOneAnomaly(check(history
        .open(0, hwm(19)).delivered(0, 20, 50)
        .open(1, hwm(19)).delivered(1, 21, 50)),
        "consumer 1: divergent: value 50 delivered at 21:0 but at 20:0 on consumer 0");
  }

  @Test
  void aBadTokenIsReported() {
    assertOneAnomaly(check(writes().open(0, null).progress(0, "ZZ")), "consumer 0: bad-token: PROGRESS record with token ZZ");
  }
}
