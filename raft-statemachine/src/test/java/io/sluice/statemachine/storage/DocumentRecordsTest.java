package io.sluice.statemachine.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DocumentRecordsTest {

  /**
   * A collection's records against a sorted map: puts of new keys and over existing ones (within the
   * size class, rewritten in place, and across it, moved), puts if absent, removes, clears, flushes and
   * reopens in between. Every document is checked after every step, and the iteration orders too.
   */
  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3})
  void behavesAsASortedMapOfKeyToDocument(long seed, @TempDir Path dir) {
    Random random = new Random(seed);
    TreeMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
    Path path = dir.resolve("store.mapdb");
    MapDbFile file = MapDbFile.open(path);
    try {
      for (int step = 0; step < 600; step++) {
        DocumentRecords records = file.documents("db.c");
        byte[] key = {(byte) random.nextInt(40)};
        byte[] document = document(random);
        int action = random.nextInt(100);
        if (action < 45) {
          assertThat(records.put(key, document)).isEqualTo(model.put(key, document));
        } else if (action < 60) {
          byte[] inPlace = model.containsKey(key) ? sameSizeClass(model.get(key), random) : document;
          assertThat(records.put(key, inPlace)).isEqualTo(model.put(key, inPlace));
        } else if (action < 75) {
          assertThat(records.putIfAbsent(key, document)).isEqualTo(model.putIfAbsent(key, document) == null);
        } else if (action < 93) {
          assertThat(records.remove(key)).isEqualTo(model.remove(key));
        } else if (action < 95) {
          records.clear();
          model.clear();
        } else {
          file.close();
          file = MapDbFile.open(path);
        }
        records = file.documents("db.c");
        assertThat(records.size()).isEqualTo(model.size());
        for (int k = 0; k < 40; k++) {
          assertThat(records.get(new byte[] {(byte) k})).as("step %d key %d", step, k).isEqualTo(model.get(new byte[] {(byte) k}));
          assertThat(records.containsKey(new byte[] {(byte) k})).isEqualTo(model.containsKey(new byte[] {(byte) k}));
        }
        List<byte[]> keys = new ArrayList<>();
        List<byte[]> values = new ArrayList<>();
        records.forEach((k, v) -> {
          keys.add(k);
          values.add(v);
        });
        assertThat(keys).containsExactlyElementsOf(model.keySet());
        assertThat(values).containsExactlyElementsOf(model.values());
        List<byte[]> iterated = new ArrayList<>();
        records.documents().forEachRemaining(iterated::add);
        assertThat(iterated).containsExactlyElementsOf(model.values());
      }
    } finally {
      file.close();
    }
  }

  private static byte[] document(Random random) {
    byte[] document = new byte[5 + random.nextInt(200)];
    random.nextBytes(document);
    return document;
  }

  /** A document of another content whose length rounds up to the same 16 bytes. */
  private static byte[] sameSizeClass(byte[] current, Random random) {
    int unit = (current.length + 15) / 16 * 16;
    byte[] document = new byte[Math.max(5, unit - random.nextInt(16))];
    random.nextBytes(document);
    return document;
  }
}
