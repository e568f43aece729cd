package io.sluice.statemachine.storage;

import java.util.Comparator;
import java.util.Map;
import org.mapdb.BTreeMap;

/**
 * Finds the first entry of a B-tree that is trimmed from the front (the change history, the session
 * table's expiry order). MapDB never removes a B-tree node, even an empty one, so every node a trim
 * empties stays at the front and {@code firstEntry()} walks them all: a cost that grows with every
 * entry ever trimmed (an apply took 5 ms instead of 0.06 after 160,000 entries with sessions expiring).
 * This remembers a key below which nothing is left and looks up from there, which descends the tree
 * past the empty nodes.
 */
final class TrimmedFront<K, V> {
  private final BTreeMap<K, V> map;
  private final Comparator<? super K> order;
  /**
   * No key below this one is in the map; null until known. Readers under the store's read lock move it
   * too (to the same key), hence volatile.
   */
  private volatile K floor;

  TrimmedFront(BTreeMap<K, V> map) {
    this.map = map;
    this.order = map.comparator();
  }

  /** The first entry, or null if the map is empty. */
  Map.Entry<K, V> first() {
    Map.Entry<K, V> first = floor == null ? map.firstEntry() : map.ceilingEntry(floor);
    if (first != null) {
      floor = first.getKey();
    }
    return first;
  }

  /** Says that no key below {@code key} is in the map (a trim mark kept elsewhere). */
  void nothingBelow(K key) {
    if (floor == null || order.compare(key, floor) > 0) {
      floor = key;
    }
  }

  /** A key being added: the floor must stay at or below every key in the map. */
  void adding(K key) {
    if (floor != null && order.compare(key, floor) < 0) {
      floor = key;
    }
  }

  /** The current floor, null if not known yet: a key to persist for {@link #nothingBelow} after a reopen. */
  K floor() {
    return floor;
  }
}
