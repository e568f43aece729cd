package io.sluice.statemachine.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapdb.BTreeMap;
import org.mapdb.Serializer;

class MapDbFileTest {
  private final BufferedByteArrays buffered = BufferedByteArrays.INSTANCE;

  /**
   * A store written before: its trees made with MapDB's byte-array serializer, which MapDB's catalog
   * names. Reopened, the catalog no longer does, each tree opens with the store's serializers, and
   * reads what was written.
   */
  @Test
  void aStoreWhoseTreesMapDbsSerializerMadeOpensThemWithTheStoresOwn(@TempDir Path dir) {
    Path path = dir.resolve("store.mapdb");
    MapDbFile before = MapDbFile.open(path);
    BTreeMap<byte[], byte[]> old = before.db().treeMap("collection:db.c", Serializer.BYTE_ARRAY, Serializer.BYTE_ARRAY).create();
    for (int i = 0; i < 1_000; i++) {
      old.put(new byte[] {(byte) (i >> 8), (byte) i}, value(i));
    }
    byte[] sample = old.get(new byte[] {1, 2});
    assertThat(before.db().nameCatalogLoad()).containsValue("org.mapdb.Serializer#BYTE_ARRAY");
    before.flush();
    before.close();

    MapDbFile after = MapDbFile.open(path);
    try {
      assertThat(after.db().nameCatalogLoad()).doesNotContainValue("org.mapdb.Serializer#BYTE_ARRAY");
      BTreeMap<byte[], byte[]> documents = after.documents("db.c");
      assertThat(documents.getKeySerializer()).isSameAs(buffered);
      assertThat(documents.getValueSerializer()).isSameAs(buffered);
      assertThat(documents.sizeLong()).isEqualTo(1_000);
      assertThat(documents.get(new byte[] {1, 2})).isEqualTo(sample);
    } finally {
      after.close();
    }
  }

  private static byte[] value(int i) {
    byte[] value = new byte[100];
    java.util.Arrays.fill(value, (byte) i);
    return value;
  }
}
