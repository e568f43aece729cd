package io.sluice.statemachine.storage;

import java.io.IOException;
import java.util.Arrays;
import java.util.Comparator;
import org.mapdb.DataInput2;
import org.mapdb.serializer.SerializerByteArray;

/**
 * MapDB's byte-array serializer, except in a lookup ({@code get}), which reads stored B-tree nodes.
 * MapDB's own reads every key of each node on the way down into an array of its own, then every value
 * of the leaf, to return one: a document lookup made an array for each of its leaf's 32 documents.
 * Here a node's keys are copied one after another into one buffer per thread and binary-searched
 * there, and the values before the one wanted are skipped. Same bytes on disk; the documents and
 * index trees use it.
 */
final class BufferedByteArrays extends SerializerByteArray {
  static final BufferedByteArrays INSTANCE = new BufferedByteArrays();

  /** A buffer grown past this by a node of large keys (index keys have no bound) is not kept. */
  private static final int KEEP_AT_MOST = 64 << 10;
  /** This thread's copy of a node's keys: their bytes one after another, and where each ends. */
  private static final ThreadLocal<Keys> KEYS = ThreadLocal.withInitial(Keys::new);

  private static final class Keys {
    byte[] bytes = new byte[1024];
    int[] ends = new int[64];
  }

  private BufferedByteArrays() {}

  @Override
  public int valueArraySearch(Object keys, byte[] key, Comparator comparator) {
    // MapDB's own turns the node's keys into an Object[] first, whatever the comparator.
    return comparator == this ? valueArraySearch(keys, key) : super.valueArraySearch(keys, key, comparator);
  }

  /**
   * Reads the node's keys into this thread's buffer and searches them as {@link Arrays#binarySearch}
   * does, leaving the input after the last key, where MapDB reads on.
   */
  @Override
  public int valueArrayBinarySearch(byte[] key, DataInput2 input, int keysLen, Comparator comparator) throws IOException {
    if (comparator != this) {
      return super.valueArrayBinarySearch(key, input, keysLen, comparator);
    }
    Keys keys = KEYS.get();
    int count = input.unpackInt();
    if (keys.ends.length < count) {
      keys.ends = new int[count];
    }
    int end = 0;
    for (int i = 0; i < count; i++) {
      int length = input.unpackInt();
      if (keys.bytes.length < end + length) {
        keys.bytes = Arrays.copyOf(keys.bytes, Math.max(2 * keys.bytes.length, end + length));
      }
      input.readFully(keys.bytes, end, length);
      end += length;
      keys.ends[i] = end;
    }
    int found = search(keys, count, key);
    if (keys.bytes.length > KEEP_AT_MOST) {
      KEYS.remove();
    }
    return found;
  }

  private static int search(Keys keys, int count, byte[] key) {
    int[] ends = keys.ends;
    return SortedSlices.search(keys.bytes, count, i -> i == 0 ? 0 : ends[i - 1], i -> ends[i], key);
  }

  /** Skips the values before {@code position} and reads that one. */
  @Override
  public byte[] valueArrayBinaryGet(DataInput2 input, int keysLen, int position) throws IOException {
    int count = input.unpackInt();
    if (position >= count) {
      throw new IOException("a B-tree node holds " + count + " values, not one at " + position);
    }
    for (int i = 0; i < position; i++) {
      input.skipBytes(input.unpackInt());
    }
    return deserialize(input, -1);
  }
}
