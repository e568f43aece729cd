package io.sluice.statemachine.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.mapdb.DataInput2;
import org.mapdb.DataOutput2;

/** SliceInput reads what MapDB writes exactly as MapDB's own reader does, field by field. */
class SliceInputTest {

  @Test
  void everyReadAgreesWithMapDbsOwnReaderOnRandomRecords() throws Exception {
    SplittableRandom random = new SplittableRandom(11);
    for (int round = 0; round < 200; round++) {
      DataOutput2 out = new DataOutput2();
      long[] longs = new long[6];
      int[] ints = new int[4];
      byte[] bytes = new byte[random.nextInt(40)];
      for (int i = 0; i < longs.length; i++) {
        longs[i] = random.nextLong(0, Long.MAX_VALUE >> random.nextInt(63));
      }
      for (int i = 0; i < ints.length; i++) {
        ints[i] = random.nextInt(0, Integer.MAX_VALUE >> random.nextInt(31));
      }
      random.nextBytes(bytes);
      out.packLong(longs[0]);
      out.packInt(ints[0]);
      out.write(bytes);
      out.writeShort(ints[1]);
      out.writeChar(ints[2]);
      out.writeInt(ints[3]);
      out.writeLong(longs[1]);
      out.writeBoolean(round % 2 == 0);
      out.writeByte(ints[1]);
      out.packLongArray(new long[] {longs[2], longs[3]}, 0, 2);
      out.packLong(longs[4]);
      out.packLong(longs[5]);
      out.packInt(ints[0]);
      out.packInt(ints[3]);
      out.packLong(7);
      byte[] record = out.copyBytes();
      // The record sits at an offset in a shared buffer, as in a memory-mapped slice.
      ByteBuffer slice = ByteBuffer.allocateDirect(record.length + 13);
      slice.put(5, record);
      DataInput2 theirs = new DataInput2.ByteBuffer(slice, 5);
      DataInput2 ours = new SliceInput(slice, 5);
      assertThat(ours.unpackLong()).isEqualTo(theirs.unpackLong());
      assertThat(ours.unpackInt()).isEqualTo(theirs.unpackInt());
      byte[] a = new byte[bytes.length];
      byte[] b = new byte[bytes.length];
      ours.readFully(a);
      theirs.readFully(b);
      assertThat(a).isEqualTo(b).isEqualTo(bytes);
      assertThat(ours.readShort()).isEqualTo(theirs.readShort());
      assertThat(ours.readChar()).isEqualTo(theirs.readChar());
      assertThat(ours.readInt()).isEqualTo(theirs.readInt());
      assertThat(ours.readLong()).isEqualTo(theirs.readLong());
      assertThat(ours.readBoolean()).isEqualTo(theirs.readBoolean());
      assertThat(ours.readByte()).isEqualTo(theirs.readByte());
      long[] ourPair = new long[2];
      long[] theirPair = new long[2];
      ours.unpackLongArray(ourPair, 0, 2);
      theirs.unpackLongArray(theirPair, 0, 2);
      assertThat(ourPair).isEqualTo(theirPair);
      assertThat(ours.unpackLongArrayDeltaCompression(2)).isEqualTo(theirs.unpackLongArrayDeltaCompression(2));
      int[] ourInts = new int[2];
      int[] theirInts = new int[2];
      ours.unpackIntArray(ourInts, 0, 2);
      theirs.unpackIntArray(theirInts, 0, 2);
      assertThat(ourInts).isEqualTo(theirInts);
      assertThat(ours.getPos()).isEqualTo(theirs.getPos());
      ours.unpackLongSkip(1);
      theirs.unpackLongSkip(1);
      assertThat(ours.getPos()).isEqualTo(theirs.getPos()).isEqualTo(5 + record.length);
      assertThat(slice.position()).as("the shared buffer's position never moves").isZero();
    }
  }
}
