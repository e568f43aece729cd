package io.sluice.statemachine.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import kotlin.collections.LongIterator;
import org.mapdb.DBException;
import org.mapdb.Serializer;
import org.mapdb.StoreDirect;

/**
 * A packed copy of a store in a new file, every record under the same id (the B-trees refer to their
 * nodes, and the history and session maps to their values, by id), made while the store goes on being
 * written. MapDB 3.1 does not reuse all the space it frees (see {@link BatchedFrees}), so a store under
 * a steady load grows; its copy holds only the live records.
 *
 * <p>{@link #copyAll} copies every record; {@link #copyChanged} copies again those written since the
 * last copy, as many times as the caller likes; {@link #finish}, called while nothing writes the store,
 * copies the last changes and completes the file. An id the store does not use is kept empty in the
 * copy until the end, and only then deleted: MapDB cannot give back one particular deleted id, and the
 * store may reuse it meanwhile.
 */
final class StoreCompaction implements AutoCloseable {
  private static final byte[] EMPTY = new byte[0];
  /** Records copied between two looks at {@link #stopping}. */
  private static final int STOP_CHECK_EVERY = 65_536;
  private final TrackedStore source;
  private final Path file;
  private final StoreDirect target;
  /** The highest id allocated in the copy: ids are allocated in order, as none is deleted before the end. */
  private long allocatedThrough;
  /** Ids that held no record in the store when last copied. */
  private final BitSet unused = new BitSet();
  private boolean finished;
  private final BooleanSupplier stopping;

  private StoreCompaction(TrackedStore source, Path file, BooleanSupplier stopping) {
    this.source = source;
    this.file = file;
    this.stopping = stopping;
    // No syncs from MapDB (see MapDbFile#open): forceToDisk does that, mostly before the store stops being written.
    this.target = MapDbFile.storeOn(MapDbFile.mappedVolume(file), false, false);
    // MapDB's own records come first; the first id it hands out is the first free one.
    this.allocatedThrough = target.preallocate();
    unused.set(Math.toIntExact(allocatedThrough));
  }

  /**
   * Starts noting the records written to {@code source}, and a new copy of it in {@code file} (replaced
   * if there). The copy stops, with a {@link CancellationException}, once {@code stopping} says so.
   */
  static StoreCompaction start(TrackedStore source, Path file, BooleanSupplier stopping) throws IOException {
    Files.deleteIfExists(file);
    source.startTracking();
    try {
      return new StoreCompaction(source, file, stopping);
    } catch (RuntimeException e) {
      source.stopTracking();
      throw e;
    }
  }

  /** Copies every record of the store. */
  void copyAll() {
    for (LongIterator ids = source.getAllRecids(); ids.hasNext(); ) {
      copy(ids.nextLong());
    }
  }

  /** Copies the records written since the last copy began; returns how many. */
  int copyChanged() {
    BitSet changed = source.takeChanged();
    for (int id = changed.nextSetBit(0); id >= 0; id = changed.nextSetBit(id + 1)) {
      copy(id);
    }
    return changed.cardinality();
  }

  /**
   * Copies the last changes, deletes the ids the store does not use, and forces the file to disk. The
   * caller must keep the store from being written meanwhile: the copy is then the store's equal.
   */
  void finish() {
    copyChanged();
    for (int id = unused.nextSetBit(0); id >= 0; id = unused.nextSetBit(id + 1)) {
      // MapDB puts a deleted id up for reuse only if it held a record, even an empty one; not if it held null.
      target.update(id, EMPTY, Serializer.BYTE_ARRAY_NOSIZE);
      target.delete(id, Serializer.BYTE_ARRAY_NOSIZE);
    }
    target.commit();
    target.close();
    source.stopTracking();
    forceToDisk();
    finished = true;
  }

  /** Forces what was copied so far to disk: done before {@link #finish}, it leaves little for the one there. */
  void forceToDisk() {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      channel.force(true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot force the compacted store " + file + " to disk", e);
    }
  }

  private void copy(long id) {
    if (id % STOP_CHECK_EVERY == 0 && stopping.getAsBoolean()) {
      throw new CancellationException("the store is closing");
    }
    while (allocatedThrough < id) {
      long allocated = target.preallocate();
      if (allocated != allocatedThrough + 1) {
        throw new IllegalStateException("the compacted store allocated id " + allocated + " after " + allocatedThrough);
      }
      allocatedThrough = allocated;
      unused.set(Math.toIntExact(allocated));
    }
    byte[] record;
    try {
      record = source.get(id, Serializer.BYTE_ARRAY_NOSIZE);
    } catch (DBException.GetVoid deleted) {
      unused.set(Math.toIntExact(id));
      target.update(id, null, Serializer.BYTE_ARRAY_NOSIZE);
      return;
    }
    unused.clear(Math.toIntExact(id));
    target.update(id, record, Serializer.BYTE_ARRAY_NOSIZE);
  }

  /** Abandons an unfinished copy: stops tracking and deletes its file. */
  @Override
  public void close() {
    if (finished) {
      return;
    }
    source.stopTracking();
    try {
      if (!target.isClosed()) {
        target.close();
      }
      Files.deleteIfExists(file);
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("cannot delete the abandoned compacted store " + file, e);
    }
  }
}
