package io.sluice.statemachine.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.protocol.BsonBytes;
import java.nio.file.Path;
import java.util.Arrays;
import org.bson.BsonDocument;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapdb.BTreeMap;
import org.mapdb.Serializer;

class MapDbFileTest {
  private static final byte[] NO_OPTIONS = BsonBytes.encode(new BsonDocument());

  /**
   * A store written before: its trees made with MapDB's byte-array serializer, which MapDB's catalog
   * names, a collection's documents in its tree's nodes. Reopened, the catalog no longer names the
   * serializer, and the documents are in records, all of them there.
   */
  @Test
  void aStoreWhoseTreesMapDbsSerializerMadeOpensThemWithTheStoresOwn(@TempDir Path dir) {
    Path path = dir.resolve("store.mapdb");
    MapDbFile before = MapDbFile.open(path);
    before.catalog().put("db.c", NO_OPTIONS);
    BTreeMap<byte[], byte[]> old = before.db().treeMap("collection:db.c", Serializer.BYTE_ARRAY, Serializer.BYTE_ARRAY).create();
    for (int i = 0; i < 1_000; i++) {
      old.put(new byte[] {(byte) (i >> 8), (byte) i}, value(i, 100));
    }
    byte[] sample = old.get(new byte[] {1, 2});
    assertThat(before.db().nameCatalogLoad()).containsValue("org.mapdb.Serializer#BYTE_ARRAY");
    before.close();

    MapDbFile after = MapDbFile.open(path);
    try {
      assertThat(after.db().nameCatalogLoad()).doesNotContainValue("org.mapdb.Serializer#BYTE_ARRAY");
      DocumentRecords documents = after.documents("db.c");
      assertThat(documents.size()).isEqualTo(1_000);
      assertThat(documents.get(new byte[] {1, 2})).isEqualTo(sample);
    } finally {
      after.close();
    }
  }

  /**
   * Documents kept in their tree's nodes (the former layout) are moved into records at open, and the
   * former trees deleted: that of a collection whose namespace begins another's up to a '#' (MapDB
   * names a tree's properties {@code name#property}), and that of a dropped collection, which was only
   * emptied. What the new layout held for a collection (a node that went back to the former layout and
   * forward again) gives way to the former tree's documents, or to nothing if the former version dropped it.
   */
  @Test
  void collectionsOfTheFormerLayoutAreMovedIntoRecordsAndTheirTreesDeleted(@TempDir Path dir) {
    Path path = dir.resolve("store.mapdb");
    MapDbFile before = MapDbFile.open(path);
    before.documents("db.a").put(new byte[] {9}, value(9, 40)); // stale: older than the former tree's
    for (String ns : new String[] {"db.a", "db.a#b"}) {
      before.catalog().put(ns, NO_OPTIONS);
      BTreeMap<byte[], byte[]> former = before.db().treeMap("collection:" + ns, Serializer.BYTE_ARRAY, Serializer.BYTE_ARRAY).create();
      for (int i = 0; i < 300; i++) {
        former.put(new byte[] {(byte) (i >> 8), (byte) i}, value(i + ns.length(), 50 + i));
      }
    }
    before.db().treeMap("collection:db.gone", Serializer.BYTE_ARRAY, Serializer.BYTE_ARRAY).create().put(new byte[] {1}, value(1, 10));
    // Made in records, then dropped by a version without them (which leaves an emptied tree behind).
    before.documents("db.dropped").put(new byte[] {2}, value(2, 30));
    before.db().treeMap("collection:db.dropped", Serializer.BYTE_ARRAY, Serializer.BYTE_ARRAY).create();
    before.close();

    MapDbFile after = MapDbFile.open(path);
    try {
      for (String ns : new String[] {"db.a", "db.a#b"}) {
        DocumentRecords documents = after.documents(ns);
        assertThat(documents.size()).as(ns).isEqualTo(300);
        assertThat(documents.get(new byte[] {9})).as(ns).isNull();
        for (int i = 0; i < 300; i++) {
          assertThat(documents.get(new byte[] {(byte) (i >> 8), (byte) i})).as("%s %d", ns, i).isEqualTo(value(i + ns.length(), 50 + i));
        }
      }
      assertThat(after.db().nameCatalogLoad().keySet()).noneMatch(name -> name.startsWith("collection:"));
      assertThat(after.db().treeMap("meta", Serializer.STRING, Serializer.BYTE_ARRAY).open().keySet()).as("no drop left under way")
          .noneMatch(key -> key.startsWith("drop:"));
      assertThat(after.documents("db.dropped").size()).as("a collection dropped by the former version stays empty").isZero();
    } finally {
      after.close();
    }
    MapDbFile again = MapDbFile.open(path);
    try {
      assertThat(again.documents("db.a#b").size()).as("kept in records over another reopen").isEqualTo(300);
    } finally {
      again.close();
    }
  }

  private static byte[] value(int i, int length) {
    byte[] value = new byte[length];
    Arrays.fill(value, (byte) i);
    return value;
  }
}
