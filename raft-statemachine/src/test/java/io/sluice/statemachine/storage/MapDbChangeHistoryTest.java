package io.sluice.statemachine.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.BsonTimestamp;
import org.junit.jupiter.api.Test;

class MapDbChangeHistoryTest {

  /** Indexes with no record between them (Raft's own entries), several entries per second, a trimmed front. */
  @Test
  void firstAtOrAfterFindsTheFirstRecordWhoseClusterTimeIsNotBeforeTheTime() {
    try (MapDbDocumentStore store = MapDbDocumentStore.inMemory()) {
      ChangeHistory history = store.history();
      Random random = new Random(3);
      List<long[]> appended = new ArrayList<>();
      BsonTimestamp time = new BsonTimestamp(100, 1);
      for (long index = 1; index <= 600; index += 1 + random.nextInt(3)) {
        time = random.nextBoolean() ? new BsonTimestamp(time.getTime() + 1 + random.nextInt(2), 1) : new BsonTimestamp(time.getTime(), time.getInc() + 1);
        history.append(index, new BsonDocument("term", new BsonInt64(1)).append("clusterTime", time));
        appended.add(new long[] {index, time.getValue()});
      }
      for (int i = 0; i < 50; i++) {
        history.removeFirst();
        appended.remove(0);
      }

      for (int seconds = 90; seconds <= time.getTime() + 2; seconds++) {
        for (int inc = 0; inc <= 3; inc++) {
          BsonTimestamp asked = new BsonTimestamp(seconds, inc);
          OptionalLong expected = appended.stream().filter(r -> r[1] >= asked.getValue()).mapToLong(r -> r[0]).findFirst();
          assertThat(history.firstAtOrAfter(asked)).as("first at or after %s", asked).isEqualTo(expected);
        }
      }
    }
  }

  /** The bounds are saved with the applied position, or when the store closes, not at each append and trim. */
  @Test
  void theBytesAndTrimmedThroughOfAHistoryOutliveAReopen(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    long bytes;
    try (MapDbDocumentStore store = MapDbDocumentStore.open(dir)) {
      for (long index = 1; index <= 20; index++) {
        store.history().append(index, new BsonDocument("term", new BsonInt64(1)).append("pad", new BsonInt64(index)));
      }
      store.history().removeFirst();
      store.history().removeFirst();
      bytes = store.history().bytes();
      store.setApplied(new AppliedState(new io.sluice.protocol.Position(1, 20), new BsonTimestamp(1, 1)));
      store.history().removeFirst();
    }
    try (MapDbDocumentStore store = MapDbDocumentStore.open(dir)) {
      assertThat(store.history().trimmedThrough()).as("the trim after the applied position was saved at close").isEqualTo(3);
      assertThat(store.history().bytes()).isLessThan(bytes).isEqualTo(17 * (bytes / 18));
      assertThat(store.history().firstIndex()).hasValue(4);
    }
  }

  @Test
  void anEmptyHistoryHasNothingAtOrAfterAnyTime() {
    try (MapDbDocumentStore store = MapDbDocumentStore.inMemory()) {
      assertThat(store.history().firstAtOrAfter(new BsonTimestamp(0, 0))).isEmpty();
    }
  }
}
