package io.sluice.statemachine.storage;

import org.mapdb.Serializer;
import org.mapdb.Store;

/**
 * Deletes MapDB records in batches. MapDB 3.1 keeps freed space in one stack per size; when frees and
 * allocations of a size alternate (a record trimmed, one appended: every write here), that stack swings
 * between empty and one entry, and each refill takes a new stack chunk at the end of the file, never
 * reused. One store grew some 390 bytes a write that way, 110 with these batches: the stack fills and
 * drains and the space is reused (in MapDB alone, 400,000 puts of about 400 bytes with 10,000 records
 * kept ended at 68 MiB of file freeing one at a time, at 8 MiB freeing in batches).
 *
 * <p>Records are freed by the apply thread and flushed before the file is copied or closed, so that no
 * copy keeps records nothing refers to; synchronized, as a checkpoint flushes under the read lock.
 */
final class BatchedFrees {
  private static final int BATCH = 256;

  private final Store store;
  private final long[] pending = new long[BATCH];
  private int count;

  BatchedFrees(Store store) {
    this.store = store;
  }

  synchronized void free(long recordId) {
    if (count == BATCH) {
      flush();
    }
    pending[count++] = recordId;
  }

  /** Deletes what is pending; an id leaves the list only once deleted, so a failed delete is never repeated for the others. */
  synchronized void flush() {
    while (count > 0) {
      store.delete(pending[count - 1], Serializer.BYTE_ARRAY);
      count--;
    }
  }
}
