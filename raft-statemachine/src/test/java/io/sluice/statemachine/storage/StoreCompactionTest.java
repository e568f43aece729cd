package io.sluice.statemachine.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapdb.BTreeMap;
import org.mapdb.CC;
import org.mapdb.DBException;
import org.mapdb.Serializer;
import org.mapdb.StoreDirect;
import org.mapdb.volume.MappedFileVol;

class StoreCompactionTest {
  @TempDir
  Path dir;

  private final Random random = new Random(7);
  private final List<AutoCloseable> opened = new ArrayList<>();
  private MapDbFile live;
  private BTreeMap<Long, byte[]> documents;
  private final List<Long> records = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable closeable : opened) {
      closeable.close();
    }
    if (live != null) {
      live.close();
    }
  }

  private void openLive() {
    live = MapDbFile.open(dir.resolve("live.mapdb"));
    documents = live.db().treeMap("documents", Serializer.LONG, Serializer.BYTE_ARRAY).createOrOpen();
  }

  /** Puts, overwrites and removes B-tree entries, and puts and deletes records of their own, so that ids are freed and reused. */
  private void churn(int operations) {
    for (int i = 0; i < operations; i++) {
      long key = random.nextInt(2_000);
      switch (random.nextInt(4)) {
        case 0 -> documents.remove(key);
        case 1 -> {
          if (!records.isEmpty()) {
            live.store().delete(records.remove(random.nextInt(records.size())), Serializer.BYTE_ARRAY);
          }
        }
        case 2 -> records.add(live.store().put(bytes(10 + random.nextInt(600)), Serializer.BYTE_ARRAY));
        default -> documents.put(key, bytes(random.nextInt(50) == 0 ? 70_000 : 20 + random.nextInt(400)));
      }
    }
  }

  private byte[] bytes(int size) {
    byte[] bytes = new byte[size];
    random.nextBytes(bytes);
    return bytes;
  }

  @Test
  void theCopyHoldsEveryRecordUnderItsIdThoughTheStoreWasWrittenBetweenItsSteps() throws IOException {
    openLive();
    churn(20_000);
    Path copy = dir.resolve("copy.mapdb");

    try (StoreCompaction compaction = StoreCompaction.start(live.store(), copy, () -> false)) {
      compaction.copyAll();
      churn(3_000);
      assertThat(compaction.copyChanged()).isPositive();
      churn(3_000);
      live.flush();
      compaction.finish();
    }

    StoreDirect reopened = openStore(copy);
    Map<Long, String> copied = recordsOf(reopened);
    assertThat(copied).isEqualTo(recordsOf(live.store().direct()));
    assertThat(Files.size(copy)).as("the copy is packed").isLessThan(Files.size(dir.resolve("live.mapdb")) / 2);
    assertThat(copied).containsValue("void");
    long newId = reopened.put(new byte[] {1}, Serializer.BYTE_ARRAY);
    assertThat(copied.get(newId)).as("id %d, of a record the store had deleted, is reused", newId).isEqualTo("void");
  }

  @Test
  void aStoreOpenedOnTheCopyReadsTheSameMapsAndGoesOnBeingWritten() throws IOException {
    openLive();
    churn(10_000);
    Map<Long, byte[]> expected = new TreeMap<>(documents);
    Path copy = dir.resolve("copy.mapdb");
    try (StoreCompaction compaction = StoreCompaction.start(live.store(), copy, () -> false)) {
      compaction.copyAll();
      live.flush();
      compaction.finish();
    }
    live.close();
    live = null;

    live = MapDbFile.open(copy);
    documents = live.db().treeMap("documents", Serializer.LONG, Serializer.BYTE_ARRAY).open();
    assertThat(documents).containsExactlyEntriesOf(expected);
    records.clear();
    churn(5_000);
    documents.put(-1L, new byte[] {1, 2, 3});
    assertThat(documents.get(-1L)).containsExactly(1, 2, 3);
  }

  @Test
  void anAbandonedCopyStopsTrackingAndLeavesNoFile() throws IOException {
    openLive();
    churn(1_000);
    Path copy = dir.resolve("copy.mapdb");
    try (StoreCompaction compaction = StoreCompaction.start(live.store(), copy, () -> false)) {
      compaction.copyAll();
    }

    assertThat(copy).doesNotExist();
    churn(100);
    live.store().startTracking();
    assertThat(live.store().takeChanged().isEmpty()).as("nothing noted between tracking runs").isTrue();
  }

  private StoreDirect openStore(Path file) {
    StoreDirect store = StoreDirect.Companion.make(file.toString(), new MappedFileVol.MappedFileFactory(false, true), 0L, false,
        true, CC.STORE_DIRECT_CONC_SHIFT, CC.PAGE_SIZE, 0L, false, false, false, true, false);
    opened.add(store::close);
    return store;
  }

  /** Each id up to the highest one either store uses, with its bytes, or "void" if it holds no record. */
  private static Map<Long, String> recordsOf(StoreDirect store) {
    Map<Long, String> records = new TreeMap<>();
    long highest = 0;
    for (var ids = store.getAllRecids(); ids.hasNext(); ) {
      highest = ids.nextLong();
    }
    for (long id = 1; id <= highest; id++) {
      try {
        byte[] bytes = store.get(id, Serializer.BYTE_ARRAY_NOSIZE);
        records.put(id, bytes == null ? "null" : java.util.HexFormat.of().formatHex(bytes));
      } catch (DBException.GetVoid deleted) {
        records.put(id, "void");
      }
    }
    return records;
  }
}
