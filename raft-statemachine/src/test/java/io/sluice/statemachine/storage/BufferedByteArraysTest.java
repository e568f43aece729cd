package io.sluice.statemachine.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.DataInput2;
import org.mapdb.DataOutput2;
import org.mapdb.Serializer;

class BufferedByteArraysTest {
  private final BufferedByteArrays buffered = BufferedByteArrays.INSTANCE;
  private final DB db = DBMaker.memoryDB().make();
  private final Random random = new Random(3);

  @AfterEach
  void close() {
    db.close();
  }

  /** Keys of many lengths, sharing prefixes, and values up to 300 bytes; probes present, absent, prefixes and extensions. */
  @Test
  void aTreeFindsWhatTheSameTreeWithMapDbsSerializerFinds() {
    BTreeMap<byte[], byte[]> ours = db.treeMap("ours", buffered, buffered).create();
    BTreeMap<byte[], byte[]> mapDbs = db.treeMap("mapdbs", Serializer.BYTE_ARRAY, Serializer.BYTE_ARRAY).create();
    List<byte[]> keys = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      byte[] key = i > 0 && random.nextInt(4) == 0 ? extend(keys.get(random.nextInt(keys.size()))) : bytes(random.nextInt(20));
      keys.add(key);
      byte[] value = bytes(random.nextInt(300));
      ours.put(key, value);
      mapDbs.put(key, value);
      if (random.nextInt(5) == 0) {
        byte[] gone = keys.get(random.nextInt(keys.size()));
        ours.remove(gone);
        mapDbs.remove(gone);
      }
    }

    for (int i = 0; i < 5_000; i++) {
      byte[] known = keys.get(random.nextInt(keys.size()));
      byte[] probe = switch (random.nextInt(4)) {
        case 0 -> known;
        case 1 -> Arrays.copyOf(known, Math.max(0, known.length - 1));
        case 2 -> extend(known);
        default -> bytes(random.nextInt(20));
      };
      assertThat(ours.get(probe)).as("value of %s", Arrays.toString(probe)).isEqualTo(mapDbs.get(probe));
    }
    assertThat(ours.sizeLong()).isEqualTo(mapDbs.sizeLong());
  }

  /** Same answer as MapDB's search of the stored node, and the input left where MapDB's leaves it. */
  @Test
  void searchingAStoredNodeAnswersAsMapDbAndReadsAllItsKeys() throws IOException {
    for (int round = 0; round < 200; round++) {
      byte[][] keys = new byte[random.nextInt(40)][];
      for (int i = 0; i < keys.length; i++) {
        keys[i] = bytes(random.nextInt(2_000 / (1 + round % 3)));
      }
      Arrays.sort(keys, Serializer.BYTE_ARRAY);
      DataOutput2 node = new DataOutput2();
      Serializer.BYTE_ARRAY.valueArraySerialize(node, keys);
      node.writeLong(42);
      byte[] probe = keys.length > 0 && random.nextBoolean() ? keys[random.nextInt(keys.length)] : bytes(random.nextInt(30));

      DataInput2.ByteArray theirs = new DataInput2.ByteArray(node.copyBytes());
      DataInput2.ByteArray mine = new DataInput2.ByteArray(node.copyBytes());
      int expected = Serializer.BYTE_ARRAY.valueArrayBinarySearch(probe, theirs, keys.length, Serializer.BYTE_ARRAY);

      assertThat(buffered.valueArrayBinarySearch(probe, mine, keys.length, buffered)).isEqualTo(expected);
      assertThat(mine.pos).isEqualTo(theirs.pos);
      assertThat(mine.readLong()).isEqualTo(42);
    }
  }

  @Test
  void readingOneStoredValueSkipsTheOthers() throws IOException {
    byte[][] values = {bytes(0), bytes(5), bytes(300), bytes(1)};
    DataOutput2 node = new DataOutput2();
    Serializer.BYTE_ARRAY.valueArraySerialize(node, values);

    for (int i = 0; i < values.length; i++) {
      assertThat(buffered.valueArrayBinaryGet(new DataInput2.ByteArray(node.copyBytes()), values.length, i)).isEqualTo(values[i]);
    }
    assertThatThrownBy(() -> buffered.valueArrayBinaryGet(new DataInput2.ByteArray(node.copyBytes()), values.length, 4))
        .isInstanceOf(IOException.class).hasMessage("a B-tree node holds 4 values, not one at 4");
  }

  private byte[] bytes(int length) {
    byte[] bytes = new byte[length];
    random.nextBytes(bytes);
    return bytes;
  }

  private byte[] extend(byte[] key) {
    byte[] longer = Arrays.copyOf(key, key.length + 1 + random.nextInt(3));
    longer[longer.length - 1] = (byte) random.nextInt(256);
    return longer;
  }
}
