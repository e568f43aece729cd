package io.sluice.statemachine.storage;

import java.io.IOException;
import java.util.Arrays;
import java.util.Comparator;
import org.mapdb.DataInput2;
import org.mapdb.DataOutput2;
import org.mapdb.Serializer;
import org.mapdb.serializer.GroupSerializer;

/**
 * Byte-array keys that all have one width, such as a session table's, with a B-tree node's keys held
 * as one array. MapDB's byte-array serializer makes an array per key whenever it reads a node: one
 * session table lookup read some four nodes of 32 keys, 128 arrays, and a write did that several times.
 *
 * <p>The bytes on disk are that serializer's, so either reads a tree the other wrote, and a session
 * tree made before this class opens with it (see {@link MapDbFile}: the store has MapDB forget its own
 * byte-array serializer); session keys have always been 24 and 32 bytes.
 *
 * <p>A key of another width is refused when MapDB hands it over to be stored, which on a put is after
 * the tree counted it: callers must build keys of the width (the session table's come from buffers of
 * a fixed size). As in MapDB's serializers, {@code valueArrayDeleteValue} takes a position counted from 1.
 */
final class FixedWidthKeys implements GroupSerializer<byte[]> {
  private final int width;

  FixedWidthKeys(int width) {
    if (width < 1) {
      throw new IllegalArgumentException("a key width must be at least 1 byte, got " + width);
    }
    this.width = width;
  }

  @Override
  public void serialize(DataOutput2 out, byte[] key) throws IOException {
    out.packInt(checked(key).length);
    out.write(key);
  }

  @Override
  public byte[] deserialize(DataInput2 in, int available) throws IOException {
    byte[] key = new byte[readWidth(in)];
    in.readFully(key);
    return key;
  }

  @Override
  public int compare(byte[] a, byte[] b) {
    return Arrays.compareUnsigned(a, b);
  }

  @Override
  public boolean equals(byte[] a, byte[] b) {
    return Arrays.equals(a, b);
  }

  @Override
  public int hashCode(byte[] key, int seed) {
    return Serializer.BYTE_ARRAY.hashCode(key, seed);
  }

  @Override
  public boolean isTrusted() {
    return true;
  }

  @Override
  public byte[] nextValue(byte[] key) {
    return Serializer.BYTE_ARRAY.nextValue(key);
  }

  @Override
  public int valueArraySearch(Object keys, byte[] key) {
    byte[] all = (byte[]) keys;
    return SortedSlices.search(all, all.length / width, i -> i * width, i -> i * width + width, key);
  }

  @Override
  public int valueArraySearch(Object keys, byte[] key, Comparator comparator) {
    if (comparator == this) {
      return valueArraySearch(keys, key);
    }
    @SuppressWarnings("unchecked")
    Comparator<Object> order = comparator;
    return Arrays.binarySearch(valueArrayToArray(keys), key, order);
  }

  @Override
  public void valueArraySerialize(DataOutput2 out, Object keys) throws IOException {
    byte[] all = (byte[]) keys;
    out.packInt(all.length / width);
    for (int offset = 0; offset < all.length; offset += width) {
      out.packInt(width);
      out.write(all, offset, width);
    }
  }

  @Override
  public byte[] valueArrayDeserialize(DataInput2 in, int size) throws IOException {
    int count = in.unpackInt();
    byte[] all = new byte[count * width];
    for (int offset = 0; offset < all.length; offset += width) {
      readWidth(in);
      in.readFully(all, offset, width);
    }
    return all;
  }

  @Override
  public byte[] valueArrayGet(Object keys, int position) {
    return Arrays.copyOfRange((byte[]) keys, position * width, position * width + width);
  }

  @Override
  public int valueArraySize(Object keys) {
    return ((byte[]) keys).length / width;
  }

  @Override
  public byte[] valueArrayEmpty() {
    return new byte[0];
  }

  @Override
  public byte[] valueArrayPut(Object keys, int position, byte[] key) {
    byte[] all = (byte[]) keys;
    byte[] result = new byte[all.length + width];
    int at = position * width;
    System.arraycopy(all, 0, result, 0, at);
    System.arraycopy(checked(key), 0, result, at, width);
    System.arraycopy(all, at, result, at + width, all.length - at);
    return result;
  }

  @Override
  public byte[] valueArrayUpdateVal(Object keys, int position, byte[] key) {
    byte[] result = ((byte[]) keys).clone();
    System.arraycopy(checked(key), 0, result, position * width, width);
    return result;
  }

  @Override
  public byte[] valueArrayFromArray(Object[] keys) {
    byte[] result = new byte[keys.length * width];
    for (int i = 0; i < keys.length; i++) {
      System.arraycopy(checked((byte[]) keys[i]), 0, result, i * width, width);
    }
    return result;
  }

  @Override
  public byte[] valueArrayCopyOfRange(Object keys, int from, int to) {
    return Arrays.copyOfRange((byte[]) keys, from * width, to * width);
  }

  @Override
  public byte[] valueArrayDeleteValue(Object keys, int positionFromOne) {
    byte[] all = (byte[]) keys;
    int at = (positionFromOne - 1) * width;
    byte[] result = new byte[all.length - width];
    System.arraycopy(all, 0, result, 0, at);
    System.arraycopy(all, at + width, result, at, result.length - at);
    return result;
  }

  private byte[] checked(byte[] key) {
    if (key.length != width) {
      throw new IllegalArgumentException("a key of this tree is " + width + " bytes, got " + key.length);
    }
    return key;
  }

  private int readWidth(DataInput2 in) throws IOException {
    int length = in.unpackInt();
    if (length != width) {
      throw new IOException("a key of this tree is " + width + " bytes, but the stored one is " + length);
    }
    return length;
  }
}
