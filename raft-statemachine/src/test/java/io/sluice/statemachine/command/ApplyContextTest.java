package io.sluice.statemachine.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.bson.BsonTimestamp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ApplyContextTest {

  @ParameterizedTest(name = "previous {0}:{1}, wall {2} ms -> {3}:{4}")
  @CsvSource({
      // later wall clock: its seconds, increment 1
      "100, 5, 200000, 200, 1",
      "100, 5, 101999, 101, 1",
      "0, 0, 1000, 1, 1",
      // same second: one more increment
      "100, 5, 100000, 100, 6",
      "100, 5, 100999, 100, 6",
      // wall clock went backwards: one more increment
      "100, 5, 99999, 100, 6",
      "100, 5, 0, 100, 6",
      "100, 5, -50000, 100, 6",
      // initial state and no time at all
      "0, 0, 0, 0, 1"})
  void nextClusterTime(int prevTime, int prevInc, long wallMillis, int time, int inc) {
    assertThat(ApplyContext.nextClusterTime(new BsonTimestamp(prevTime, prevInc), wallMillis))
        .isEqualTo(new BsonTimestamp(time, inc));
  }

  @Test
  void takesWallSecondsWhenLater() {
    BsonTimestamp next = ApplyContext.nextClusterTime(new BsonTimestamp(1_700_000_000, 42), 1_700_000_005_500L);
    assertThat(next.getTime()).isEqualTo(1_700_000_005);
    assertThat(next.getInc()).isEqualTo(1);
  }

  @Test
  void strictlyIncreasesWhenTheClockStandsStill() {
    BsonTimestamp t = new BsonTimestamp(0, 0);
    for (int i = 0; i < 1000; i++) {
      BsonTimestamp next = ApplyContext.nextClusterTime(t, 1_700_000_000_000L);
      assertThat(next).isGreaterThan(t);
      t = next;
    }
    assertThat(t).isEqualTo(new BsonTimestamp(1_700_000_000, 1000));
  }

  @Test
  void strictlyIncreasesWhateverTheClockDoes() {
    Random random = new Random(7);
    BsonTimestamp t = new BsonTimestamp(0, 0);
    long wall = 1_700_000_000_000L;
    for (int i = 0; i < 5000; i++) {
      wall += random.nextInt(4000) - 2500; // mostly backwards or standing still
      if (random.nextInt(50) == 0) {
        wall -= 3_600_000; // a new leader an hour behind
      }
      BsonTimestamp next = ApplyContext.nextClusterTime(t, wall);
      assertThat(next).as("step %d, wall %d", i, wall).isGreaterThan(t);
      t = next;
    }
  }

  @Test
  void timeAboveIntMaxIsComparedUnsigned() {
    BsonTimestamp previous = new BsonTimestamp((int) 3_000_000_000L, 1);
    BsonTimestamp next = ApplyContext.nextClusterTime(previous, 2_000_000_000_000L);
    assertThat(next).isGreaterThan(previous);
    assertThat(Integer.toUnsignedLong(next.getTime())).isEqualTo(3_000_000_000L);
    BsonTimestamp later = ApplyContext.nextClusterTime(previous, 3_000_000_001_000L);
    assertThat(Integer.toUnsignedLong(later.getTime())).isEqualTo(3_000_000_001L);
    assertThat(later.getInc()).isEqualTo(1);
  }

  @Test
  void strictlyIncreasesEvenWhenTheIncrementIsExhausted() {
    BsonTimestamp previous = new BsonTimestamp(100, -1); // increment 2^32 - 1
    assertThat(ApplyContext.nextClusterTime(previous, 100_000)).isGreaterThan(previous);
  }
}
