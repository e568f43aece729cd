package io.sluice.statemachine.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.protocol.BsonBytes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.TreeMap;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mapdb.BTreeMap;
import org.mapdb.Serializer;

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

  /**
   * The chunked history against a sorted map: sparse indexes, records from a few bytes to more than a
   * chunk's budget, trims that empty chunks and the open one, flushes and reopens in between. Every read
   * agrees with the map after every step.
   */
  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3})
  void readsAgreeWithASortedMapThroughAppendsTrimsFlushesAndReopens(long seed, @TempDir Path dir) {
    Random random = new Random(seed);
    Path path = dir.resolve("store.mapdb");
    NavigableMap<Long, BsonDocument> model = new TreeMap<>();
    long index = 0;
    long trimmedThrough = 0;
    int seconds = 100;
    MapDbFile file = MapDbFile.open(path);
    try {
      for (int step = 0; step < 400; step++) {
        int action = random.nextInt(10);
        if (action < 6) {
          for (int n = random.nextInt(40); n > 0; n--) {
            index += 1 + random.nextInt(3);
            seconds += random.nextInt(2);
            BsonDocument record = new BsonDocument("term", new BsonInt64(1)).append("clusterTime", new BsonTimestamp(seconds, (int) index))
                .append("pad", new BsonString("x".repeat(random.nextInt(50) == 0 ? HistoryChunk.MAX_BYTES + 10 : random.nextInt(300))));
            assertThat(file.history().append(index, record)).isEqualTo(BsonBytes.encode(record).length);
            model.put(index, record);
          }
        } else if (action < 8) {
          for (int n = random.nextInt(model.size() + 1); n > 0; n--) {
            long removed = model.pollFirstEntry().getKey();
            trimmedThrough = removed;
            assertThat(file.history().removeFirst()).hasValue(removed);
          }
        } else if (action == 8) {
          file.flush();
        } else {
          file.close();
          file = MapDbFile.open(path);
        }
        assertAgrees(file.history(), model, trimmedThrough, random);
      }
    } finally {
      file.close();
    }
  }

  private static void assertAgrees(ChangeHistory history, NavigableMap<Long, BsonDocument> model, long trimmedThrough, Random random) {
    assertThat(history.count()).isEqualTo(model.size());
    assertThat(history.bytes()).isEqualTo(model.values().stream().mapToLong(r -> BsonBytes.encode(r).length).sum());
    assertThat(history.trimmedThrough()).isEqualTo(trimmedThrough);
    assertThat(history.firstIndex()).isEqualTo(model.isEmpty() ? OptionalLong.empty() : OptionalLong.of(model.firstKey()));
    assertThat(history.lastIndex()).isEqualTo(model.isEmpty() ? OptionalLong.empty() : OptionalLong.of(model.lastKey()));
    if (model.isEmpty()) {
      assertThat(history.after(0)).isExhausted();
      return;
    }
    long low = model.firstKey() - 2;
    long high = model.lastKey() + 2;
    for (int probe = 0; probe < 5; probe++) {
      long at = low + (long) (random.nextDouble() * (high - low));
      assertThat(history.at(at)).as("record %d", at).isEqualTo(Optional.ofNullable(model.get(at)));
      List<Long> after = new ArrayList<>();
      history.after(at).forEachRemaining(e -> {
        assertThat(e.getValue()).isEqualTo(model.get(e.getKey()));
        after.add(e.getKey());
      });
      assertThat(after).as("after %d", at).containsExactlyElementsOf(model.tailMap(at, false).keySet());
      BsonTimestamp time = model.ceilingEntry(at) == null ? new BsonTimestamp(Integer.MAX_VALUE, 0) : model.ceilingEntry(at).getValue().getTimestamp("clusterTime");
      OptionalLong expected = model.entrySet().stream().filter(e -> e.getValue().getTimestamp("clusterTime").compareTo(time) >= 0)
          .mapToLong(Map.Entry::getKey).findFirst();
      assertThat(history.firstAtOrAfter(time)).as("first at or after %s", time).isEqualTo(expected);
    }
  }

  /** A store written with one record per entry: reopened, its records are in chunks, and the former tree is deleted. */
  @Test
  void aHistoryKeptOneRecordPerEntryIsFoldedIntoChunksOnce(@TempDir Path dir) {
    Path path = dir.resolve("store.mapdb");
    MapDbFile before = MapDbFile.open(path);
    BTreeMap<String, byte[]> meta = before.db().treeMap("meta", Serializer.STRING, Serializer.BYTE_ARRAY).open();
    BatchedFrees frees = new BatchedFrees(before.db().getStore());
    RecordMap<Long> former = new RecordMap<>(before.db(), frees, meta, "historyRecords", Serializer.LONG);
    List<BsonDocument> kept = new ArrayList<>();
    long bytes = 0;
    for (long index = 11; index <= 300; index += 2) {
      BsonDocument record = new BsonDocument("term", new BsonInt64(2)).append("clusterTime", new BsonTimestamp((int) index, 1));
      former.put(index, BsonBytes.encode(record));
      kept.add(record);
      bytes += BsonBytes.encode(record).length;
    }
    meta.put("historyBounds", BsonBytes.encode(new BsonDocument("bytes", new BsonInt64(bytes)).append("trimmedThrough", new BsonInt64(10))));
    frees.flush();
    before.db().commit();
    before.close();

    for (int reopen = 0; reopen < 2; reopen++) {
      MapDbFile after = MapDbFile.open(path);
      try {
        List<BsonDocument> read = new ArrayList<>();
        after.history().after(0).forEachRemaining(e -> read.add(e.getValue()));
        assertThat(read).containsExactlyElementsOf(kept);
        assertThat(after.history().count()).isEqualTo(kept.size());
        assertThat(after.history().bytes()).isEqualTo(bytes);
        assertThat(after.history().trimmedThrough()).isEqualTo(10);
        assertThat(after.history().at(299)).contains(kept.get(kept.size() - 1));
        assertThat(RenewableTree.exists(after.db(), meta(after), "historyRecords")).as("the former tree, deleted").isFalse();
      } finally {
        after.close();
      }
    }
  }

  private static BTreeMap<String, byte[]> meta(MapDbFile file) {
    return file.db().treeMap("meta", Serializer.STRING, Serializer.BYTE_ARRAY).open();
  }

  /** Records are appended in index order: one at or below the last is a bug of the caller, refused before anything changes. */
  @Test
  void aRecordNotAfterTheLastIsRefused() {
    try (MapDbDocumentStore store = MapDbDocumentStore.inMemory()) {
      store.history().append(5, new BsonDocument("term", new BsonInt64(1)));
      assertThatThrownBy(() -> store.history().append(5, new BsonDocument("term", new BsonInt64(1))))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("record 5 comes after record 5");
      assertThat(store.history().count()).isEqualTo(1);
    }
  }

  @Test
  void anEmptyHistoryHasNothingAtOrAfterAnyTime() {
    try (MapDbDocumentStore store = MapDbDocumentStore.inMemory()) {
      assertThat(store.history().firstAtOrAfter(new BsonTimestamp(0, 0))).isEmpty();
    }
  }
}
