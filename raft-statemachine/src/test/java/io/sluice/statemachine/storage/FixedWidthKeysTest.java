package io.sluice.statemachine.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.DataInput2;
import org.mapdb.DataOutput2;
import org.mapdb.Serializer;

class FixedWidthKeysTest {
  private static final int WIDTH = 12;
  private final FixedWidthKeys keys = new FixedWidthKeys(WIDTH);
  private final DB db = DBMaker.memoryDB().make();

  @AfterEach
  void close() {
    db.close();
  }

  /** Enough keys for nodes to split and merge at every level; bytes above 127 check the unsigned order. */
  @Test
  void aTreeWithTheseKeysBehavesAsASortedMapThroughSplitsAndRemovals() {
    BTreeMap<byte[], Long> tree = db.treeMap("tree", keys, Serializer.LONG).create();
    NavigableMap<byte[], Long> expected = new TreeMap<>(Arrays::compareUnsigned);
    Random random = new Random(11);
    List<byte[]> used = new ArrayList<>();
    for (long i = 0; i < 30_000; i++) {
      int choice = random.nextInt(6);
      if (!used.isEmpty() && choice < 2) {
        byte[] key = used.get(random.nextInt(used.size()));
        assertThat(tree.remove(key)).isEqualTo(expected.remove(key));
      } else if (!used.isEmpty() && choice == 2) {
        byte[] key = used.get(random.nextInt(used.size())).clone();
        assertThat(tree.put(key, i)).isEqualTo(expected.put(key, i));
      } else {
        byte[] key = key(random);
        used.add(key);
        assertThat(tree.put(key, i)).isEqualTo(expected.put(key, i));
      }
    }

    assertThat(keysAndValues(tree)).containsExactlyElementsOf(keysAndValues(expected));
    assertThat(tree.firstKey()).isEqualTo(expected.firstKey());
    assertThat(tree.lastKey()).isEqualTo(expected.lastKey());
    for (int i = 0; i < 500; i++) {
      // Probes of other widths too: searches compare a probe with the stored keys whatever its length.
      byte[] probe = switch (random.nextInt(4)) {
        case 0 -> used.get(random.nextInt(used.size()));
        case 1 -> Arrays.copyOf(used.get(random.nextInt(used.size())), WIDTH - 1 + 2 * random.nextInt(2));
        default -> key(random);
      };
      assertThat(tree.get(probe)).isEqualTo(expected.get(probe));
      assertThat(tree.ceilingKey(probe)).isEqualTo(expected.ceilingKey(probe));
      assertThat(tree.lowerKey(probe)).isEqualTo(expected.lowerKey(probe));
      assertThat(keysAndValues(tree.tailMap(probe, false)).stream().limit(40).toList())
          .isEqualTo(keysAndValues(expected.tailMap(probe, false)).stream().limit(40).toList());
    }
  }

  @Test
  void nodesAreWrittenAsMapDbsByteArraySerializerWritesThemAndReadBack() throws IOException {
    Random random = new Random(5);
    byte[][] separate = new byte[33][];
    for (int i = 0; i < separate.length; i++) {
      separate[i] = key(random);
    }
    Arrays.sort(separate, Arrays::compareUnsigned);
    byte[] flat = keys.valueArrayFromArray(separate);

    DataOutput2 mapDbs = new DataOutput2();
    Serializer.BYTE_ARRAY.valueArraySerialize(mapDbs, separate);
    DataOutput2 ours = new DataOutput2();
    keys.valueArraySerialize(ours, flat);

    assertThat(ours.copyBytes()).isEqualTo(mapDbs.copyBytes());
    byte[] read = keys.valueArrayDeserialize(new DataInput2.ByteArray(mapDbs.copyBytes()), separate.length);
    assertThat(read).isEqualTo(flat);
    assertThat(keys.valueArrayToArray(read)).containsExactly((Object[]) separate);
    DataOutput2 one = new DataOutput2();
    keys.serialize(one, separate[3]);
    assertThat(Serializer.BYTE_ARRAY.deserialize(new DataInput2.ByteArray(one.copyBytes()), -1)).isEqualTo(separate[3]);
  }

  @Test
  void aKeyOfAnotherWidthIsRefusedNamingBothWidths() throws IOException {
    BTreeMap<byte[], Long> tree = db.treeMap("tree", keys, Serializer.LONG).create();

    assertThatThrownBy(() -> tree.put(new byte[5], 1L)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a key of this tree is 12 bytes, got 5");
    DataOutput2 stored = new DataOutput2();
    Serializer.BYTE_ARRAY.valueArraySerialize(stored, new byte[][] {new byte[7]});
    assertThatThrownBy(() -> keys.valueArrayDeserialize(new DataInput2.ByteArray(stored.copyBytes()), 1))
        .isInstanceOf(IOException.class).hasMessage("a key of this tree is 12 bytes, but the stored one is 7");
  }

  private static byte[] key(Random random) {
    byte[] key = new byte[WIDTH];
    random.nextBytes(key);
    return key;
  }

  private static List<String> keysAndValues(Map<byte[], Long> map) {
    return map.entrySet().stream().map(e -> Arrays.toString(e.getKey()) + "=" + e.getValue()).toList();
  }
}
