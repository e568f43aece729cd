package io.sluice.statemachine.storage;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.function.Consumer;
import org.mapdb.BTreeMap;
import org.mapdb.BTreeNodeIds;
import org.mapdb.DB;
import org.mapdb.DBException;
import org.mapdb.Serializer;
import org.mapdb.serializer.GroupSerializer;

/**
 * Deletes a MapDB B-tree that is no longer used: its node records, its root and counter records, its
 * names (MapDB 3.1 has no way to). MapDB hands a deleted record's id out again at once, so a drop cut
 * off part way could not be found again by walking the tree: its ids are listed first, in a record
 * named in the meta map with how many are deleted, the names go in the same step, and a drop cut off
 * (a checkpoint taken between two chunks, a store closed) goes on from the list when the store is
 * opened. Each step runs through {@code underLock}: the store's write lock, for a chunk at a time.
 */
final class TreeDrop {
  private static final int CHUNK = 1_024;

  private final DB db;
  private final BTreeMap<String, byte[]> meta;
  /** The meta key of this tree's drop under way: its list's record id and how many ids are deleted. */
  private final String key;

  TreeDrop(DB db, BTreeMap<String, byte[]> meta, String key) {
    this.db = db;
    this.meta = meta;
    this.key = key;
  }

  /** Drops the tree {@code treeName}, which nothing writes any more (its nodes are read without the lock). */
  void drop(String treeName, GroupSerializer<?> keys, GroupSerializer<?> values, Consumer<Runnable> underLock) {
    resume(underLock); // one drop at a time
    Map<String, String> params = db.nameCatalogParamsFor(treeName);
    long rootRecidRecid = Long.parseLong(params.get(treeName + "#rootRecidRecid"));
    long counterRecid = Long.parseLong(params.getOrDefault(treeName + "#counterRecid", "0"));
    List<long[]> levels = BTreeNodeIds.byLevel(db.getStore(), rootRecidRecid, keys, values);
    long[] ids = levels.stream().flatMapToLong(Arrays::stream).toArray();
    ids = Arrays.copyOf(ids, ids.length + (counterRecid == 0 ? 1 : 2));
    ids[ids.length - 1] = rootRecidRecid;
    if (counterRecid != 0) {
      ids[ids.length - 2] = counterRecid;
    }
    long[] listed = ids;
    underLock.accept(() -> {
      // The names first: should listing fail, the tree's records leak, but none is deleted while the tree can still be found.
      SortedMap<String, String> catalog = db.nameCatalogLoad();
      catalog.keySet().removeIf(name -> name.startsWith(treeName + "#"));
      db.nameCatalogSave(catalog);
      long list = db.getStore().put(listed, Serializer.LONG_ARRAY);
      meta.put(key, state(list, 0));
    });
    resume(underLock);
  }

  /** Goes on with the drop under way, if any. */
  void resume(Consumer<Runnable> underLock) {
    byte[] state = meta.get(key);
    if (state == null) {
      return;
    }
    long list = ByteBuffer.wrap(state).getLong();
    long[] ids = db.getStore().get(list, Serializer.LONG_ARRAY);
    int[] deleted = {ByteBuffer.wrap(state).getInt(Long.BYTES)};
    while (deleted[0] < ids.length) {
      underLock.accept(() -> {
        int end = Math.min(deleted[0] + CHUNK, ids.length);
        try {
          for (; deleted[0] < end; deleted[0]++) {
            deleteIfThere(ids[deleted[0]]);
          }
        } finally {
          meta.put(key, state(list, deleted[0]));
        }
      });
    }
    underLock.accept(() -> {
      deleteIfThere(list);
      meta.remove(key);
    });
  }

  private void deleteIfThere(long recordId) {
    try {
      db.getStore().delete(recordId, Serializer.BYTE_ARRAY_NOSIZE);
    } catch (DBException.GetVoid deleted) {
      // Listed twice: never the case for a B-tree's nodes, but harmless.
    }
  }

  private static byte[] state(long list, int deleted) {
    return ByteBuffer.allocate(Long.BYTES + Integer.BYTES).putLong(list).putInt(deleted).array();
  }
}
