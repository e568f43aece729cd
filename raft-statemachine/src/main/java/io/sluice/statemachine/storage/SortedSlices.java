package io.sluice.statemachine.storage;

import java.util.Arrays;
import java.util.function.IntUnaryOperator;

/** Byte-array keys lying one after another in one array, as the serializers that keep a node's keys together hold them. */
final class SortedSlices {
  private SortedSlices() {}

  /**
   * Searches {@code count} sorted keys, key {@code i} being {@code bytes[start(i), end(i))}, for
   * {@code key}, as {@link Arrays#binarySearch} does (the same probes, so the same answer even among
   * equal keys) with MapDB's byte-array order: its index, or {@code -(insertion point + 1)}.
   */
  static int search(byte[] bytes, int count, IntUnaryOperator start, IntUnaryOperator end, byte[] key) {
    int low = 0;
    int high = count - 1;
    while (low <= high) {
      int middle = (low + high) >>> 1;
      int order = Arrays.compareUnsigned(bytes, start.applyAsInt(middle), end.applyAsInt(middle), key, 0, key.length);
      if (order < 0) {
        low = middle + 1;
      } else if (order > 0) {
        high = middle - 1;
      } else {
        return middle;
      }
    }
    return -(low + 1);
  }
}
