package io.sluice.statemachine.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.DataOutput2;
import org.mapdb.Serializer;
import org.mapdb.Store;

class ReusedOutputTest {
  private final DB db = DBMaker.memoryDB().make();
  private final Store store = db.getStore();
  private final Serializer<byte[]> reusing = ReusedOutput.through(Serializer.BYTE_ARRAY);

  @AfterEach
  void close() {
    db.close();
  }

  /**
   * Sizes from empty (kept in the index), past one 64 KiB record (a linked record) to past the size
   * at which the buffer is dropped: each record written through the one buffer reads back as written,
   * after every other was written and updated through it too.
   */
  @Test
  void recordsOfEverySizeWrittenThroughTheOneBufferReadBackAsWritten() {
    Random random = new Random(7);
    int[] sizes = {0, 3, 5, 6, 100, 8_000, 1, 70_000, 2, 2_000_000, 4, 17, 7, 40_000, 0};
    List<byte[]> written = new ArrayList<>();
    List<Long> ids = new ArrayList<>();
    for (int size : sizes) {
      byte[] value = bytes(random, size);
      written.add(value);
      ids.add(store.put(value, reusing));
    }
    for (int i = 0; i < sizes.length; i += 2) {
      byte[] value = bytes(random, sizes[sizes.length - 1 - i]);
      written.set(i, value);
      store.update(ids.get(i), value, reusing);
    }

    for (int i = 0; i < sizes.length; i++) {
      assertThat(store.get(ids.get(i), Serializer.BYTE_ARRAY)).as("record %d", i).isEqualTo(written.get(i));
    }
  }

  /** A serializer that writes a record of its own first, through the same thread's buffer. */
  @Test
  void aRecordWrittenWhileAnotherIsSerializedLeavesBothIntact() {
    byte[] inner = bytes(new Random(3), 300);
    long[] innerId = new long[1];
    Serializer<byte[]> writingAnother = new Serializer<>() {
      @Override
      public void serialize(DataOutput2 out, byte[] value) throws IOException {
        out.write(new byte[] {9, 9, 9});
        innerId[0] = store.put(inner, reusing);
        Serializer.BYTE_ARRAY.serialize(out, value);
      }

      @Override
      public byte[] deserialize(org.mapdb.DataInput2 in, int available) throws IOException {
        in.skipBytes(3);
        return Serializer.BYTE_ARRAY.deserialize(in, available);
      }
    };
    byte[] outer = bytes(new Random(4), 500);

    long outerId = store.put(outer, ReusedOutput.through(writingAnother));

    assertThat(store.get(outerId, writingAnother)).isEqualTo(outer);
    assertThat(store.get(innerId[0], Serializer.BYTE_ARRAY)).isEqualTo(inner);
  }

  @Test
  void anOutputThatAlreadyHoldsBytesKeepsThemAndGetsTheRecordAfter() throws IOException {
    DataOutput2 out = new DataOutput2();
    out.writeInt(42);
    reusing.serialize(out, new byte[] {1, 2, 3});

    DataOutput2 expected = new DataOutput2();
    expected.writeInt(42);
    Serializer.BYTE_ARRAY.serialize(expected, new byte[] {1, 2, 3});
    assertThat(out.copyBytes()).isEqualTo(expected.copyBytes());
  }

  private static byte[] bytes(Random random, int size) {
    byte[] value = new byte[size];
    random.nextBytes(value);
    return value;
  }
}
