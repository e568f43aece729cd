package io.sluice.statemachine.storage;

import com.google.common.collect.Iterators;
import java.util.Iterator;
import java.util.function.BiConsumer;
import org.mapdb.BTreeMap;
import org.mapdb.Serializer;
import org.mapdb.Store;

/**
 * A collection's documents: a B-tree from canonical {@code _id} key to the id of the MapDB record that
 * holds the document's BSON. With documents in the B-tree's nodes, MapDB read and rewrote a write's whole
 * leaf, 16 documents, to change one: a sixth of what an update allocated on the apply thread.
 *
 * <p>Here an update reads its document's record and rewrites it in place while its size stays in the
 * same 16-byte class (MapDB's allocation unit); otherwise, and for a new document, the document gets a
 * new record and the tree a new id. A record given up is freed in the store's batches
 * ({@link BatchedFrees}), so that frees and allocations do not alternate.
 *
 * <p>A record id is reused after its record is freed, so a reader must not hold an id across a write:
 * readers hold the store's read lock, which excludes the apply thread's writes (see {@link DocumentStore}),
 * and the apply thread reads its matches before it changes them.
 */
final class DocumentRecords {
  private static final Serializer<byte[]> RECORD = Serializer.BYTE_ARRAY_NOSIZE;
  /** MapDB keeps a larger record in linked parts, which it frees and allocates again on every update. */
  private static final int LARGEST_SINGLE_RECORD = 65_520;

  private final BTreeMap<byte[], Long> ids;
  private final Store store;
  private final BatchedFrees frees;

  DocumentRecords(BTreeMap<byte[], Long> ids, Store store, BatchedFrees frees) {
    this.ids = ids;
    this.store = store;
    this.frees = frees;
  }

  /** The document under {@code key}, or null. */
  byte[] get(byte[] key) {
    Long id = ids.get(key);
    return id == null ? null : store.get(id, RECORD);
  }

  boolean containsKey(byte[] key) {
    return ids.containsKey(key);
  }

  /** Adds the document unless {@code key} has one; true if added (one descent of the tree: a refused key, rare, costs a record written and freed). */
  boolean putIfAbsent(byte[] key, byte[] document) {
    long id = store.put(document, RECORD);
    if (ids.putIfAbsent(key, id) == null) {
      return true;
    }
    frees.free(id);
    return false;
  }

  /** Puts the document under {@code key}; returns the one it replaced, or null. */
  byte[] put(byte[] key, byte[] document) {
    Long id = ids.get(key);
    if (id == null) {
      ids.put(key, store.put(document, RECORD));
      return null;
    }
    byte[] former = store.get(id, RECORD);
    if (sizeClass(former.length) == sizeClass(document.length) && document.length <= LARGEST_SINGLE_RECORD) {
      store.update(id, document, RECORD);
    } else {
      ids.put(key, store.put(document, RECORD));
      frees.free(id);
    }
    return former;
  }

  /** Removes the document under {@code key}; returns it, or null if there was none. */
  byte[] remove(byte[] key) {
    Long id = ids.remove(key);
    if (id == null) {
      return null;
    }
    byte[] former = store.get(id, RECORD);
    frees.free(id);
    return former;
  }

  /** Removes every document. */
  void clear() {
    ids.values().forEach(frees::free);
    ids.clear();
  }

  long size() {
    return ids.sizeLong();
  }

  /** Each key and document, in key order. */
  void forEach(BiConsumer<byte[], byte[]> action) {
    ids.forEach((key, id) -> action.accept(key, store.get(id, RECORD)));
  }

  /** The documents in key order, each read as it is reached (no {@code remove}: it would leave the record behind). */
  Iterator<byte[]> documents() {
    return Iterators.unmodifiableIterator(Iterators.transform(ids.values().iterator(), id -> store.get(id, RECORD)));
  }

  /** MapDB allocates records in units of 16 bytes; a record rewritten within its unit stays where it is. */
  private static long sizeClass(int bytes) {
    return (bytes + 15L) >>> 4;
  }
}
