package io.sluice.statemachine.changestream;

import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executor;
import org.bson.BsonDocument;

/**
 * The node's shared tail of recent history records, and the wake-up of streams waiting for new ones.
 * The apply thread {@link #publish}es each record after it is committed; every open stream reads the
 * tail (one decoded copy for all of them) and falls back to the store only for older positions.
 * Waiting streams are woken on {@code wakeups}, never on the apply thread.
 */
public final class ChangeHub {
  private final ConcurrentSkipListMap<Long, BsonDocument> tail = new ConcurrentSkipListMap<>();
  private final int capacity;
  private final Executor wakeups;
  private final Object waitersLock = new Object();
  private List<CompletableFuture<Void>> waiters = new ArrayList<>();
  private int size;
  private volatile long coversAfter;
  private volatile long lastPublished;

  /** @param lastApplied the index the store is at: the tail will hold every record after it */
  public ChangeHub(long lastApplied, int capacity, Executor wakeups) {
    this.capacity = capacity;
    this.wakeups = wakeups;
    this.coversAfter = lastApplied;
    this.lastPublished = lastApplied;
  }

  /** Called by the apply thread, in index order, once the record is committed. */
  public void publish(long index, BsonDocument record) {
    tail.put(index, record);
    size++;
    while (size > capacity) {
      coversAfter = tail.pollFirstEntry().getKey();
      size--;
    }
    lastPublished = index;
    wakeAll();
  }

  /** The index of the newest published record: streams read no further. */
  public long lastPublished() {
    return lastPublished;
  }

  /** True if the tail holds every record after {@code index}. */
  boolean covers(long index) {
    return index >= coversAfter;
  }

  /** The tail's records after {@code index}; complete only if {@link #covers(long)}. */
  NavigableMap<Long, BsonDocument> after(long index) {
    return tail.tailMap(index, false);
  }

  /** Completes (on the wake-up executor) once a record after {@code index} has been published. */
  CompletableFuture<Void> whenPublishedAfter(long index) {
    CompletableFuture<Void> future = new CompletableFuture<>();
    synchronized (waitersLock) {
      if (lastPublished > index) {
        future.complete(null);
      } else {
        waiters.add(future);
      }
    }
    return future;
  }

  int waiting() {
    synchronized (waitersLock) {
      return waiters.size();
    }
  }

  private void wakeAll() {
    List<CompletableFuture<Void>> ready;
    synchronized (waitersLock) {
      if (waiters.isEmpty()) {
        return;
      }
      ready = waiters;
      waiters = new ArrayList<>();
    }
    wakeups.execute(() -> ready.forEach(f -> f.complete(null)));
  }
}
