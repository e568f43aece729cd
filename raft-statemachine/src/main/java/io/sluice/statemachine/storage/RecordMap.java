package io.sluice.statemachine.storage;

import com.google.common.collect.Iterators;
import java.util.AbstractMap;
import java.util.Iterator;
import java.util.Map;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.Serializer;
import org.mapdb.Store;
import org.mapdb.serializer.GroupSerializer;

/**
 * A sorted map of byte-array values kept as records of their own: the B-tree maps each key to its
 * value's MapDB record id. MapDB reads and rewrites a whole B-tree node, values and all, on every
 * put; with values in the nodes, a change-history append copied some 16 records of 400 bytes twice.
 * Here a put rewrites a node of keys and ids, and writes its value once.
 *
 * <p>MapDB's own values-outside-nodes option frees a removed value's data but never its record id;
 * this map deletes the record (in batches, see {@link BatchedFrees}), which frees both, so a map trimmed at one end and grown at the other
 * keeps a bounded file. A record id is reused after a removal, so a reader must not hold an id across
 * a removal: the store's read lock, which every reader of the history and the sessions takes, excludes
 * the apply thread's writes.
 */
final class RecordMap<K> {
  private final RenewableTree<K, Long> ids;
  private final Store store;
  private final BatchedFrees frees;
  private final boolean migrated;

  /**
   * Opens (or creates) the map {@code name}. A map named {@code formerName} that still holds values
   * in its nodes (a store written before this layout) is moved into it once, then deleted. Whatever
   * this map held then is dropped first: it is older than the former map's contents (a node that went
   * back to a version without this layout, and forward again).
   */
  RecordMap(DB db, BatchedFrees frees, BTreeMap<String, byte[]> meta, String name, GroupSerializer<K> keys, String formerName) {
    this.ids = new RenewableTree<>(db, meta, name, keys, Serializer.LONG, true);
    this.store = db.getStore();
    this.frees = frees;
    BTreeMap<K, byte[]> former = formerName != null && db.exists(formerName) ? db.treeMap(formerName, keys, Serializer.BYTE_ARRAY).open() : null;
    this.migrated = former != null && former.sizeLong() > 0;
    if (migrated) {
      clear();
      former.forEach(this::put);
    }
    if (former != null) {
      // Deleted, not cleared: MapDB would keep an emptied tree's nodes in the file for good.
      new TreeDrop(db, meta, "drop:" + formerName).drop(formerName, keys, Serializer.BYTE_ARRAY, Runnable::run);
    }
  }

  /** Opens (or creates) the map {@code name}, which has no former layout. */
  RecordMap(DB db, BatchedFrees frees, BTreeMap<String, byte[]> meta, String name, GroupSerializer<K> keys) {
    this(db, frees, meta, name, keys, null);
  }

  /** Removes every entry and frees its value's record. */
  void clear() {
    ids.tree().values().forEach(frees::free);
    ids.clear();
  }

  /** Frees every value's record and deletes the map's tree: for a map of a former layout, once its entries were moved. */
  void drop() {
    clear();
    ids.drop();
  }

  /** True if this map was just filled from its former map (see the constructor). */
  boolean migrated() {
    return migrated;
  }

  void put(K key, byte[] value) {
    Long replaced = ids.put(key, store.put(value, Serializer.BYTE_ARRAY));
    if (replaced != null) {
      frees.free(replaced);
    }
  }

  /** The value of {@code key}, or null. */
  byte[] get(K key) {
    Long id = ids.tree().get(key);
    return id == null ? null : value(id);
  }

  /** Removes {@code key} and frees its value's record, without reading it. */
  void remove(K key) {
    Long id = ids.remove(key);
    if (id != null) {
      frees.free(id);
    }
  }

  /** Removes the first entry and frees its value's record; null if the map is empty. */
  Map.Entry<K, byte[]> pollFirst() {
    Map.Entry<K, Long> first = ids.front().first();
    if (first == null) {
      return null;
    }
    ids.remove(first.getKey());
    return new AbstractMap.SimpleImmutableEntry<>(first.getKey(), delete(first.getValue()));
  }

  /** The first entry at or after {@code key}, which must not be below the first key; null if none. */
  Map.Entry<K, byte[]> ceiling(K key) {
    Map.Entry<K, Long> entry = ids.tree().ceilingEntry(key);
    return entry == null ? null : new AbstractMap.SimpleImmutableEntry<>(entry.getKey(), value(entry.getValue()));
  }

  /** The last key at or before {@code key}, without reading its value; null if none. */
  K floorKey(K key) {
    return ids.tree().floorKey(key);
  }

  /** The last entry at or before {@code key}; null if none. */
  Map.Entry<K, byte[]> floor(K key) {
    Map.Entry<K, Long> entry = ids.tree().floorEntry(key);
    return entry == null ? null : new AbstractMap.SimpleImmutableEntry<>(entry.getKey(), value(entry.getValue()));
  }

  /** The tree of keys to ids, rebuilt now and then (see {@link RenewableTree}). */
  RenewableTree<K, Long> tree() {
    return ids;
  }

  /** Says that no key below {@code key} is in the map, so the first one is found without a walk (see {@link TrimmedFront}). */
  void nothingBelow(K key) {
    ids.front().nothingBelow(key);
  }

  /** The entries after {@code key} (not including it), in key order, each value read as it is reached. */
  Iterator<Map.Entry<K, byte[]>> after(K key) {
    return valuesOf(ids.tree().tailMap(key, false).entrySet().iterator());
  }

  /** The entries from {@code from} (included) to {@code to} (not included), in key order, each value read as it is reached. */
  Iterator<Map.Entry<K, byte[]>> between(K from, K to) {
    return valuesOf(ids.tree().subMap(from, true, to, false).entrySet().iterator());
  }

  private Iterator<Map.Entry<K, byte[]>> valuesOf(Iterator<Map.Entry<K, Long>> entries) {
    // No remove: it would take the key out of the tree and leave its value's record behind.
    return Iterators.unmodifiableIterator(
        Iterators.transform(entries, e -> new AbstractMap.SimpleImmutableEntry<>(e.getKey(), value(e.getValue()))));
  }

  /** From the counter: MapDB's own isEmpty walks the empty nodes at the front (see {@link TrimmedFront}). */
  boolean isEmpty() {
    return size() == 0;
  }

  /** The first key, or null if the map is empty. */
  K firstKey() {
    Map.Entry<K, Long> first = ids.front().first();
    return first == null ? null : first.getKey();
  }

  K lastKey() {
    return ids.tree().lastKey();
  }

  long size() {
    return ids.tree().sizeLong();
  }

  private byte[] value(long id) {
    return store.get(id, Serializer.BYTE_ARRAY);
  }

  private byte[] delete(long id) {
    byte[] value = value(id);
    frees.free(id);
    return value;
  }
}
