package io.sluice.statemachine.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;
import org.mapdb.StoreDirect;

class RecordMapTest {
  private final DB db = DBMaker.memoryDB().make();
  private final BatchedFrees frees = new BatchedFrees(db.getStore());
  private final BTreeMap<String, byte[]> meta = db.treeMap("meta", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void valuesComeBackByKeyAndInKeyOrderAndRemovedOnesAreGone() {
    RecordMap<Long> map = new RecordMap<>(db, frees, meta, "records", Serializer.LONG, "former");
    for (long key = 1; key <= 5; key++) {
      map.put(key, value(key, 10));
    }
    map.put(3L, value(33, 20));

    assertThat(map.get(3L)).isEqualTo(value(33, 20));
    assertThat(map.get(9L)).isNull();
    assertThat(keysAndFirstBytes(map.after(2L))).containsExactly(List.of(3L, 33L), List.of(4L, 4L), List.of(5L, 5L));
    assertThat(map.pollFirst()).satisfies(first -> {
      assertThat(first.getKey()).isEqualTo(1L);
      assertThat(first.getValue()).isEqualTo(value(1, 10));
    });
    map.remove(4L);
    map.remove(4L);
    assertThat(map.get(4L)).isNull();
    assertThat(map.size()).isEqualTo(3);
    assertThat(map.firstKey()).isEqualTo(2L);
    assertThat(map.lastKey()).isEqualTo(5L);
  }

  /**
   * A window of records trimmed at one end and grown at the other, as the change history is: each
   * removed value's record and id are freed. MapDB's values-outside-nodes option kept the id of every
   * removed value (one more id in use per removal); what does grow here is MapDB's own B-tree, which
   * never frees a node it emptied (about one per 16 removals, see TrimmedFront).
   */
  @Test
  void removedValuesFreeTheirRecordIds() {
    RecordMap<Long> map = new RecordMap<>(db, frees, meta, "records", Serializer.LONG, "former");
    StoreDirect store = (StoreDirect) db.getStore();
    long key = 0;
    for (; key < 5_000; key++) {
      slide(map, key);
    }
    long inUse = count(store.getAllRecids());
    int removals = 40_000;
    for (; key < 5_000 + removals; key++) {
      slide(map, key);
    }

    assertThat(count(store.getAllRecids()) - inUse).as("record ids taken by %d removals", removals).isLessThan(removals / 8);
    assertThat(map.size()).isEqualTo(500);
    assertThat(map.firstKey()).isEqualTo(key - 500);
  }

  /**
   * MapDB reuses freed space only when frees come in batches (see BatchedFrees). What still grows is
   * MapDB's own: its B-tree's node rewrites alternate frees and allocations too, about 120 bytes a
   * write here (under 200); freeing values one at a time made it 293.
   */
  @Test
  void aWindowTrimmedAtOneEndAndGrownAtTheOtherReusesTheSpaceOfItsValues() {
    RecordMap<Long> map = new RecordMap<>(db, frees, meta, "records", Serializer.LONG, "former");
    StoreDirect store = (StoreDirect) db.getStore();
    long key = 0;
    for (; key < 20_000; key++) {
      slide(map, key);
    }
    long early = store.getTotalSize();
    int writes = 100_000;
    for (; key < 20_000 + writes; key++) {
      slide(map, key);
    }

    assertThat((store.getTotalSize() - early) / writes).as("bytes of store per write, from %d", early).isLessThan(200);
  }

  @Test
  void aMapWithItsValuesInItsNodesMovesOverOnceReplacingWhatTheNewMapHeld() {
    // Left from before a node went back to a version with the former layout, and forward again.
    new RecordMap<>(db, frees, meta, "records", Serializer.LONG, "former").put(500L, value(5, 50));
    BTreeMap<Long, byte[]> former = db.treeMap("former", Serializer.LONG, Serializer.BYTE_ARRAY).counterEnable().createOrOpen();
    for (long key = 1; key <= 100; key++) {
      former.put(key, value(key, 50));
    }

    RecordMap<Long> map = new RecordMap<>(db, frees, meta, "records", Serializer.LONG, "former");
    RecordMap<Long> reopened = new RecordMap<>(db, frees, meta, "records", Serializer.LONG, "former");

    assertThat(map.migrated()).isTrue();
    assertThat(reopened.migrated()).as("only once").isFalse();
    assertThat(db.exists("former")).as("the former tree, deleted").isFalse();
    assertThat(reopened.size()).isEqualTo(100);
    assertThat(reopened.get(500L)).isNull();
    assertThat(map.get(42L)).isEqualTo(value(42, 50));
    assertThat(reopened.get(100L)).isEqualTo(value(100, 50));
  }

  private static void slide(RecordMap<Long> map, long key) {
    map.put(key, value(key, 400));
    if (map.size() > 500) {
      map.pollFirst();
    }
  }

  private static byte[] value(long first, int length) {
    byte[] value = new byte[length];
    value[0] = (byte) first;
    return value;
  }

  private static List<List<Long>> keysAndFirstBytes(Iterator<Map.Entry<Long, byte[]>> entries) {
    List<List<Long>> seen = new ArrayList<>();
    entries.forEachRemaining(e -> seen.add(List.of(e.getKey(), (long) e.getValue()[0])));
    return seen;
  }

  private static long count(kotlin.collections.LongIterator ids) {
    long n = 0;
    while (ids.hasNext()) {
      ids.nextLong();
      n++;
    }
    return n;
  }
}
