package io.sluice.statemachine.storage;

import java.util.BitSet;
import kotlin.collections.LongIterator;
import org.mapdb.Serializer;
import org.mapdb.StoreBinary;
import org.mapdb.StoreBinaryGetLong;
import org.mapdb.StoreDirect;

/**
 * MapDB's store, which can note the id of every record written or deleted from some moment on: a
 * {@link StoreCompaction} copies the store while it is being written, then copies again what changed.
 * Not tracking, it only delegates. An id is noted after its write, so a copy that takes the noted ids
 * away and then reads the records misses no write: one it read too early is noted again.
 */
final class TrackedStore implements StoreBinary {
  private final StoreDirect store;
  /** Null when not tracking: then a write costs one volatile read more. */
  private volatile BitSet changed;

  TrackedStore(StoreDirect store) {
    this.store = store;
  }

  StoreDirect direct() {
    return store;
  }

  /** Notes the ids written from now on, until {@link #stopTracking}. */
  synchronized void startTracking() {
    changed = new BitSet();
  }

  /** The ids written since tracking started or since the last call; tracking goes on. */
  synchronized BitSet takeChanged() {
    BitSet taken = changed;
    changed = new BitSet();
    return taken;
  }

  synchronized void stopTracking() {
    changed = null;
  }

  private void noteChanged(long recordId) {
    if (changed != null) {
      synchronized (this) {
        if (changed != null) {
          changed.set(Math.toIntExact(recordId));
        }
      }
    }
  }

  @Override
  public long preallocate() {
    long recordId = store.preallocate();
    noteChanged(recordId);
    return recordId;
  }

  @Override
  public <R> long put(R record, Serializer<R> serializer) {
    long recordId = store.put(record, ReusedOutput.through(serializer));
    noteChanged(recordId);
    return recordId;
  }

  @Override
  public <R> void update(long recordId, R record, Serializer<R> serializer) {
    store.update(recordId, record, ReusedOutput.through(serializer));
    noteChanged(recordId);
  }

  /** Not through {@link ReusedOutput}: MapDB compares the old record here with the serializer's {@code equals}, which it does not pass on. */
  @Override
  public <R> boolean compareAndSwap(long recordId, R expectedOldRecord, R newRecord, Serializer<R> serializer) {
    boolean swapped = store.compareAndSwap(recordId, expectedOldRecord, newRecord, serializer);
    if (swapped) {
      noteChanged(recordId);
    }
    return swapped;
  }

  @Override
  public <R> void delete(long recordId, Serializer<R> serializer) {
    store.delete(recordId, serializer);
    noteChanged(recordId);
  }

  // Reads and the rest only delegate.

  @Override
  public <R> R get(long recordId, Serializer<R> serializer) {
    return store.get(recordId, serializer);
  }

  @Override
  public long getBinaryLong(long recordId, StoreBinaryGetLong f) {
    return store.getBinaryLong(recordId, f);
  }

  @Override
  public LongIterator getAllRecids() {
    return store.getAllRecids();
  }

  @Override
  public Iterable<String> getAllFiles() {
    return store.getAllFiles();
  }

  @Override
  public void commit() {
    store.commit();
  }

  @Override
  public void compact() {
    store.compact();
  }

  @Override
  public void close() {
    store.close();
  }

  @Override
  public boolean isClosed() {
    return store.isClosed();
  }

  @Override
  public void verify() {
    store.verify();
  }

  @Override
  public boolean isReadOnly() {
    return store.isReadOnly();
  }

  @Override
  public boolean fileLoad() {
    return store.fileLoad();
  }

  @Override
  public boolean isThreadSafe() {
    return store.isThreadSafe();
  }

  @Override
  public void checkThreadSafe() {
    store.checkThreadSafe();
  }
}
