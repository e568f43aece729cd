package io.sluice.statemachine.storage;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
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
import org.mapdb.DB;
import org.mapdb.serializer.GroupSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
  /** Entries a renewal copies per hold of the write lock. */
  private static final int CHUNK = 1_024;
  /**
   * A tree is renewed once this many entries, and 4 times its size, were removed since the last renewal.
   * The history's tree holds a chunk of some 64 entries per key, so this is about 16,000 log entries.
   */
  static final long MIN_REMOVALS = 256;
  /** Rounds of copying again the keys written meanwhile, at most, before the last one and the switch. */
  private static final int CATCH_UP_ROUNDS = 4;
  private static final char GENERATION_SEPARATOR = '~';
  private static final int SAVE_REMOVALS_EVERY = 1_024;
  private static final Logger LOG = LoggerFactory.getLogger(RenewableTree.class);

  private final DB db;
  private final BTreeMap<String, byte[]> meta;
  private final String name;
  private final GroupSerializer<K> keys;
  private final GroupSerializer<V> values;
  private final boolean counted;
  private final TreeDrop drops;
  private long generation;
  private volatile BTreeMap<K, V> tree;
  private volatile TrimmedFront<K, V> front;
  /** Kept here: MapDB counts a tree's entries by walking it, unless it has a counter. */
  private volatile long size;
  /** Kept in the meta map every {@link #SAVE_REMOVALS_EVERY}: a reopen (a restart, a compaction) must not start the count again. */
  private volatile long removalsSinceRenewal;
  /** The keys written while a renewal copies the tree; null when none does. Used under the write lock only. */
  private NavigableSet<K> written;

  /**
   * Opens (or creates) the tree {@code name}; {@code counted}: with MapDB's size counter. A drop cut
   * off is finished, and a new tree a renewal left unfinished is dropped.
   */
  RenewableTree(DB db, BTreeMap<String, byte[]> meta, String name, GroupSerializer<K> keys, GroupSerializer<V> values, boolean counted) {
    this.db = db;
    this.meta = meta;
    this.name = name;
    this.keys = keys;
    this.values = values;
    this.counted = counted;
    this.drops = new TreeDrop(db, meta, "drop:" + name);
    this.generation = readLong(generationKey());
    this.tree = open(treeName(generation), generation == 0);
    this.front = new TrimmedFront<>(tree);
    this.size = tree.sizeLong();
    this.removalsSinceRenewal = readLong(removalsKey());
    try {
      dropLeftovers(Runnable::run);
    } catch (RuntimeException e) {
      LOG.warn("dropping the trees that renewals of {} left failed; they stay in the store, to be dropped at the next open or renewal", name, e);
    }
  }

  /** True if the store has the tree {@code name}, in any generation. */
  static boolean exists(DB db, BTreeMap<String, byte[]> meta, String name) {
    return db.exists(name) || meta.containsKey(generationKey(name));
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
    V replaced = tree.put(key, value);
    if (replaced == null) {
      size++;
    }
    return replaced;
  }

  V remove(K key) {
    noteWritten(key);
    V removed = tree.remove(key);
    if (removed != null) {
      size--;
      if (++removalsSinceRenewal % SAVE_REMOVALS_EVERY == 0) {
        meta.put(removalsKey(), longBytes(removalsSinceRenewal));
      }
    }
    return removed;
  }

  /** Removes every entry (not a renewal's business: only when the store is opened). */
  void clear() {
    tree.clear();
    size = 0;
  }

  /**
   * Deletes the tree, its nodes and its names (clearing it would leave its emptied nodes in the file
   * for good): for a tree of a former layout, once its entries were moved, with nothing using it after.
   */
  void drop() {
    drops.drop(treeName(generation), keys, values, Runnable::run);
    meta.remove(generationKey());
    meta.remove(removalsKey());
  }

  private void noteWritten(K key) {
    if (written != null) {
      written.add(key);
    }
  }

  /** True once so many entries were removed that most of the tree's nodes may be empty ones. */
  boolean renewalDue() {
    return removalsSinceRenewal >= Math.max(MIN_REMOVALS, 4 * size);
  }

  /**
   * Renews the tree; called on a thread of its own while the apply thread goes on, {@code writeLock}
   * being the store's write lock. Each step that writes takes it, for a chunk at a time. Once
   * {@code stopping} says so, the next step throws a {@link CancellationException} instead. A renewal
   * that fails is tried again only after as many removals again.
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
    try {
      dropLeftovers(underLock);
      // A name is never used twice: MapDB caches the trees it opened by name.
      long freshGeneration = Math.max(readLong(lastGenerationKey()), generation) + 1;
      BTreeMap<K, V> fresh = underLock(writeLock, () -> {
        meta.put(lastGenerationKey(), longBytes(freshGeneration));
        written = new TreeSet<>(keys);
        return create(treeName(freshGeneration));
      });
      copy(tree, fresh, underLock);
      switchTo(fresh, freshGeneration, underLock);
    } catch (RuntimeException | Error e) {
      underLock(writeLock, () -> {
        written = null;
        removalsSinceRenewal = 0;
        meta.put(removalsKey(), longBytes(0));
        return null;
      });
      throw e;
    }
    drops.drop(oldName, keys, values, underLock);
  }

  /** Copies {@code old} into {@code fresh} a chunk at a time, then, in rounds, what was written meanwhile. */
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
    for (int round = 0; round < CATCH_UP_ROUNDS; round++) {
      List<K> again = new ArrayList<>();
      underLock.accept(() -> {
        again.addAll(written);
        written = new TreeSet<>(keys);
      });
      if (again.size() <= CHUNK) {
        underLock.accept(() -> written.addAll(again));
        return;
      }
      for (int from = 0; from < again.size(); from += CHUNK) {
        List<K> chunk = again.subList(from, Math.min(from + CHUNK, again.size()));
        underLock.accept(() -> copyAgain(chunk, old, fresh));
      }
    }
  }

  /** Under one hold of the lock: copies the last keys written and makes {@code fresh} the tree. */
  private void switchTo(BTreeMap<K, V> fresh, long freshGeneration, Consumer<Runnable> underLock) {
    BTreeMap<K, V> old = tree;
    underLock.accept(() -> {
      copyAgain(written, old, fresh);
      // The file first: should it fail, this tree is still the one in use.
      meta.put(generationKey(), longBytes(freshGeneration));
      meta.put(removalsKey(), longBytes(0));
      written = null;
      TrimmedFront<K, V> freshFront = new TrimmedFront<>(fresh);
      if (front.floor() != null) {
        freshFront.nothingBelow(front.floor());
      }
      tree = fresh;
      front = freshFront;
      generation = freshGeneration;
      removalsSinceRenewal = 0;
    });
  }

  private static <K, V> void copyAgain(Collection<K> keys, BTreeMap<K, V> old, BTreeMap<K, V> fresh) {
    for (K key : keys) {
      V value = old.get(key);
      if (value == null) {
        fresh.remove(key);
      } else {
        fresh.put(key, value);
      }
    }
  }

  /**
   * Finishes a drop cut off, and drops the trees of this name but another generation: new trees of
   * renewals cut off before they switched (nothing deleted from them, so whole).
   */
  private void dropLeftovers(Consumer<Runnable> underLock) {
    drops.resume(underLock);
    String current = treeName(generation);
    List<String> leftovers = new ArrayList<>();
    for (String existing : db.getAllNames()) {
      if ((existing.equals(name) || existing.startsWith(name + GENERATION_SEPARATOR)) && !existing.equals(current)) {
        leftovers.add(existing);
      }
    }
    for (String leftover : leftovers) {
      drops.drop(leftover, keys, values, underLock);
    }
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
    return generationKey(name);
  }

  private static String generationKey(String name) {
    return "generation:" + name;
  }

  private String removalsKey() {
    return "removals:" + name;
  }

  private String lastGenerationKey() {
    return "lastGeneration:" + name;
  }

  private long readLong(String key) {
    byte[] stored = meta.get(key);
    return stored == null ? 0 : ByteBuffer.wrap(stored).getLong();
  }

  private static byte[] longBytes(long value) {
    return ByteBuffer.allocate(Long.BYTES).putLong(value).array();
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
