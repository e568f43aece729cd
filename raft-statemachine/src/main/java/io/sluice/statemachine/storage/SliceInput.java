package io.sluice.statemachine.storage;

import org.mapdb.DataInput2;

/**
 * MapDB's reader of one record in a memory-mapped slice, the same as its own
 * {@code DataInput2.ByteBuffer} but for {@link #readFully}: MapDB's duplicates the slice's buffer for
 * every byte array it reads (every key and value of a B-tree node), which was a third of the apply
 * thread's time; this one reads with an absolute bulk get. Reads never move the shared buffer's
 * position, so readers on several threads share the slice as before.
 */
final class SliceInput extends DataInput2 {
  private final java.nio.ByteBuffer buf;
  private int pos;

  SliceInput(java.nio.ByteBuffer buf, int pos) {
    this.buf = buf;
    this.pos = pos;
  }

  @Override
  public void readFully(byte[] b, int off, int len) {
    buf.get(pos, b, off, len);
    pos += len;
  }

  @Override
  public int skipBytes(int n) {
    pos += n;
    return n;
  }

  @Override
  public boolean readBoolean() {
    return buf.get(pos++) == 1;
  }

  @Override
  public byte readByte() {
    return buf.get(pos++);
  }

  @Override
  public int readUnsignedByte() {
    return buf.get(pos++) & 0xff;
  }

  @Override
  public short readShort() {
    short v = buf.getShort(pos);
    pos += 2;
    return v;
  }

  @Override
  public char readChar() {
    return (char) (((buf.get(pos++) & 0xff) << 8) | (buf.get(pos++) & 0xff));
  }

  @Override
  public int readInt() {
    int v = buf.getInt(pos);
    pos += 4;
    return v;
  }

  @Override
  public long readLong() {
    long v = buf.getLong(pos);
    pos += 8;
    return v;
  }

  @Override
  public int getPos() {
    return pos;
  }

  @Override
  public void setPos(int position) {
    pos = position;
  }

  @Override
  public byte[] internalByteArray() {
    return null;
  }

  @Override
  public java.nio.ByteBuffer internalByteBuffer() {
    return buf;
  }

  @Override
  public void close() {}

  // MapDB's packed numbers: 7 bits a byte, most significant first; the byte with its top bit set is the last.

  @Override
  public long unpackLong() {
    long result = 0;
    byte b;
    do {
      b = buf.get(pos++);
      result = result << 7 | (b & 0x7f);
    } while ((b & 0x80) == 0);
    return result;
  }

  @Override
  public int unpackInt() {
    int result = 0;
    byte b;
    do {
      b = buf.get(pos++);
      result = result << 7 | (b & 0x7f);
    } while ((b & 0x80) == 0);
    return result;
  }

  @Override
  public long[] unpackLongArrayDeltaCompression(int size) {
    long[] out = new long[size];
    long previous = 0;
    for (int i = 0; i < size; i++) {
      previous += unpackLong();
      out[i] = previous;
    }
    return out;
  }

  @Override
  public void unpackLongArray(long[] array, int start, int end) {
    for (int i = start; i < end; i++) {
      array[i] = unpackLong();
    }
  }

  @Override
  public void unpackLongSkip(int count) {
    while (count > 0) {
      count -= (buf.get(pos++) & 0x80) >> 7;
    }
  }

  @Override
  public void unpackIntArray(int[] array, int start, int end) {
    for (int i = start; i < end; i++) {
      array[i] = unpackInt();
    }
  }
}
