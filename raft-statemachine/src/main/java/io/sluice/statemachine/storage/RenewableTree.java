package io.sluice.statemachine.storage;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.SortedMap;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;
import java.util.concurrent.locks.Lock;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.mapdb.BTreeMap;
import org.mapdb.BTreeNodeIds;
import org.mapdb.DB;
import org.mapdb.DBException;
import org.mapdb.Serializer;
import org.mapdb.serializer.GroupSerializer;

/**
 * A B-tree that is trimmed at one end and grown at the other (the history, the session table), and so
 * rebuilt now and then. MapDB 3.1 never frees a B-tree node, even one that removals emptied: such a
 * tree keeps every node it ever had (one per 14 or so entries, some 30 bytes a write over the history
 * and session trees). A renewal copies the entries into a new tree ({@code name~N}, N its generation,
 * kept in the meta map) while the old one is still written, copies again the keys written meanwhile,
 * switches to the new tree, and deletes the old tree's nodes.
 *
 * <p>Writes go through this class, which notes the keys written during a renewal; reads go to
 * {@link #tree()}. The store's write lock, which the apply thread holds for each entry, covers every
 * write of a renewal too, a chunk at a time: a checkpoint never sees a write half done. A tree left by a
 * renewal cut off (a snapshot taken during one) is dropped when the store is opened.
 */
final class RenewableTree<K, V> {
  /** Entries, or nodes, a renewal copies, or deletes, per hold of the write lock. */
  private static final int CHUNK = 4_096;
  /** A tree is renewed once this many entries, and 4 times its size, were removed since the last renewal. */
  static final long MIN_REMOVALS = 16_384;
  private static final char GENERATION_SEPARATOR = '~';

  private final DB db;
  private final BTreeMap<String, byte[]> meta;
  private final String name;
  private final GroupSerializer<K> keys;
  private final GroupSerializer<V> values;
  private final boolean counted;
  private long generation;
  private volatile BTreeMap<K, V> tree;
  private volatile TrimmedFront<K, V> front;
  private long removalsSinceRenewal;
  /** The keys written while a renewal copies the tree; null when none does. Used under the write lock only. */
  private NavigableSet<K> written;

  /** Opens (or creates) the tree {@code name}; {@code counted}: with MapDB's size counter. */
  RenewableTree(DB db, BTreeMap<String, byte[]> meta, String name, GroupSerializer<K> keys, GroupSerializer<V> values, boolean counted) {
    this.db = db;
    this.meta = meta;
    this.name = name;
    this.keys = keys;
    this.values = values;
    this.counted = counted;
    byte[] stored = meta.get(generationKey());
    this.generation = stored == null ? 0 : ByteBuffer.wrap(stored).getLong();
    this.tree = open(treeName(generation), generation == 0);
    this.front = new TrimmedFront<>(tree);
    for (String leftover : leftoverTrees()) {
      drop(leftover, Runnable::run);
    }
  }

  /** The tree, for reads; a renewal replaces it under the write lock. */
  BTreeMap<K, V> tree() {
    return tree;
  }

  /** Finds the first entry past the nodes trims emptied (see {@link TrimmedFront}). */
  TrimmedFront<K, V> front() {
    return front;
  }

  V put(K key, V value) {
    front.adding(key);
    noteWritten(key);
    return tree.put(key, value);
  }

  V remove(K key) {
    noteWritten(key);
    V removed = tree.remove(key);
    if (removed != null) {
      removalsSinceRenewal++;
    }
    return removed;
  }

  /** Removes every entry (not a renewal's business: only when the store is opened). */
  void clear() {
    tree.clear();
  }

  private void noteWritten(K key) {
    if (written != null) {
      written.add(key);
    }
  }

  /** True once so many entries were removed that most of the tree's nodes may be empty ones. */
  boolean renewalDue() {
    return removalsSinceRenewal >= Math.max(MIN_REMOVALS, 4 * tree.sizeLong());
  }

  /**
   * Renews the tree; called on a thread of its own while the apply thread goes on, {@code writeLock}
   * being the store's write lock. Each step that writes takes it, for a chunk at a time. Once
   * {@code stopping} says so, the next step throws a {@link CancellationException} instead.
   */
  void renew(Lock writeLock, BooleanSupplier stopping) {
    Consumer<Runnable> underLock = step -> underLock(writeLock, () -> {
      if (stopping.getAsBoolean()) {
        throw new CancellationException("the store is closing");
      }
      step.run();
      return null;
    });
    String oldName = treeName(generation);
    String freshName = treeName(generation + 1);
    if (db.exists(freshName)) {
      drop(freshName, underLock); // left by a renewal that failed
    }
    BTreeMap<K, V> fresh = underLock(writeLock, () -> {
      written = new TreeSet<>(keys);
      return create(freshName);
    });
    try {
      copy(tree, fresh, underLock);
    } catch (RuntimeException e) {
      underLock(writeLock, () -> written = null);
      throw e;
    }
    drop(oldName, underLock);
  }

  /** Copies {@code old} into {@code fresh} a chunk at a time, then what was written meanwhile, and switches to it. */
  private void copy(BTreeMap<K, V> old, BTreeMap<K, V> fresh, Consumer<Runnable> underLock) {
    K floor = front.floor();
    K last = null;
    boolean more = true;
    while (more) {
      SortedMap<K, V> rest = last != null ? old.tailMap(last, false) : floor != null ? old.tailMap(floor, true) : old;
      List<Map.Entry<K, V>> chunk = new ArrayList<>(CHUNK);
      for (Map.Entry<K, V> entry : rest.entrySet()) {
        chunk.add(Map.entry(entry.getKey(), entry.getValue()));
        if (chunk.size() == CHUNK) {
          break;
        }
      }
      more = chunk.size() == CHUNK;
      if (!chunk.isEmpty()) {
        last = chunk.get(chunk.size() - 1).getKey();
        underLock.accept(() -> chunk.forEach(entry -> fresh.put(entry.getKey(), entry.getValue())));
      }
    }
    underLock.accept(() -> {
      for (K key : written) {
        V value = old.get(key);
        if (value == null) {
          fresh.remove(key);
        } else {
          fresh.put(key, value);
        }
      }
      written = null;
      TrimmedFront<K, V> freshFront = new TrimmedFront<>(fresh);
      if (front.floor() != null) {
        freshFront.nothingBelow(front.floor());
      }
      tree = fresh;
      front = freshFront;
      generation++;
      meta.put(generationKey(), ByteBuffer.allocate(Long.BYTES).putLong(generation).array());
      removalsSinceRenewal = 0;
    });
  }

  /**
   * Deletes the nodes of the tree {@code treeName} from the leaves up, a chunk at a time, then its root
   * and counter records and its names: cut off, it is found and finished at the next open.
   */
  private void drop(String treeName, Consumer<Runnable> underLock) {
    Map<String, String> params = db.nameCatalogParamsFor(treeName);
    long rootRecidRecid = Long.parseLong(params.get(treeName + "#rootRecidRecid"));
    List<long[]> levels = BTreeNodeIds.byLevel(db.getStore(), rootRecidRecid, keys, values);
    for (int level = levels.size() - 1; level >= 0; level--) {
      long[] ids = levels.get(level);
      for (int from = 0; from < ids.length; from += CHUNK) {
        int start = from;
        underLock.accept(() -> {
          for (int i = start; i < Math.min(start + CHUNK, ids.length); i++) {
            deleteIfThere(ids[i]);
          }
        });
      }
    }
    underLock.accept(() -> {
      deleteIfThere(rootRecidRecid);
      String counter = params.get(treeName + "#counterRecid");
      if (counter != null && Long.parseLong(counter) != 0) {
        deleteIfThere(Long.parseLong(counter));
      }
      SortedMap<String, String> catalog = db.nameCatalogLoad();
      catalog.keySet().removeIf(key -> key.startsWith(treeName + "#"));
      db.nameCatalogSave(catalog);
    });
  }

  private void deleteIfThere(long recordId) {
    try {
      db.getStore().delete(recordId, Serializer.BYTE_ARRAY_NOSIZE);
    } catch (DBException.GetVoid deleted) {
      // Deleted by a drop cut off before.
    }
  }

  /** Trees of this name but another generation: the old one of a renewal cut off before it was dropped, or its unfinished new one. */
  private List<String> leftoverTrees() {
    String current = treeName(generation);
    List<String> leftovers = new ArrayList<>();
    for (String existing : db.getAllNames()) {
      boolean thisName = existing.equals(name) || existing.startsWith(name + GENERATION_SEPARATOR);
      if (thisName && !existing.equals(current)) {
        leftovers.add(existing);
      }
    }
    return leftovers;
  }

  /** Only the first generation may be created here: a later one missing would be a store damaged. */
  private BTreeMap<K, V> open(String treeName, boolean orCreate) {
    DB.TreeMapMaker<K, V> maker = db.treeMap(treeName, keys, values);
    maker = counted ? maker.counterEnable() : maker;
    return orCreate ? maker.createOrOpen() : maker.open();
  }

  private BTreeMap<K, V> create(String treeName) {
    DB.TreeMapMaker<K, V> maker = db.treeMap(treeName, keys, values);
    return (counted ? maker.counterEnable() : maker).create();
  }

  private String treeName(long generation) {
    return generation == 0 ? name : name + GENERATION_SEPARATOR + generation;
  }

  private String generationKey() {
    return "generation:" + name;
  }

  private static <T> T underLock(Lock lock, Supplier<T> step) {
    lock.lock();
    try {
      return step.get();
    } finally {
      lock.unlock();
    }
  }
}
