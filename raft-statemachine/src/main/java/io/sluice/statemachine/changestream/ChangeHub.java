package io.sluice.statemachine.changestream;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.NavigableMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executor;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * The node's shared tail of recent history records, and the wake-up of streams waiting for new ones.
 * The apply thread {@link #publish}es each record after it is committed; every open stream reads the
 * tail (one decoded copy for all of them) and falls back to the store only for older positions.
 * Waiting streams are woken on {@code wakeups}, never on the apply thread, and only those whose scope
 * the record touches ({@link #wakeKeys}): a write to one collection does not wake the streams of
 * another, which is what keeps thousands of streams cheap.
 */
public final class ChangeHub {
  private final ConcurrentSkipListMap<Long, BsonDocument> tail = new ConcurrentSkipListMap<>();
  private final int maxEntries;
  private final long maxBytes;
  private final java.util.ArrayDeque<Integer> sizes = new java.util.ArrayDeque<>();
  private long bytes;
  private final Executor wakeups;
  private final Object waitersLock = new Object();
  /** Waits by wake key; {@link #ANY} is woken by every record. Node-local, so its order never matters. */
  private final Map<String, List<Wakeup>> waiters = new HashMap<>();
  static final String ANY = "";
  private volatile long coversAfter;
  private volatile long lastPublished;

  /**
   * @param lastApplied the index the store is at: the tail will hold every record after it
   * @param maxEntries  the most records the tail keeps
   * @param maxBytes    the most encoded bytes it keeps (the newest record always stays)
   */
  public ChangeHub(long lastApplied, int maxEntries, long maxBytes, Executor wakeups) {
    this.maxEntries = maxEntries;
    this.maxBytes = maxBytes;
    this.wakeups = wakeups;
    this.coversAfter = lastApplied;
    this.lastPublished = lastApplied;
  }

  /** Called by the apply thread, in index order, once the record ({@code encodedBytes} long) is committed. */
  public void publish(long index, BsonDocument record, int encodedBytes) {
    tail.put(index, record);
    sizes.addLast(encodedBytes);
    bytes += encodedBytes;
    while (sizes.size() > maxEntries || (bytes > maxBytes && sizes.size() > 1)) {
      coversAfter = tail.pollFirstEntry().getKey();
      bytes -= sizes.removeFirst();
    }
    lastPublished = index;
    wake(wakeKeys(record));
  }

  /**
   * Starts over at {@code lastApplied} after the store was replaced by a snapshot from the leader:
   * the records up to it are in the store's history now, not in the tail. Wakes every waiting stream.
   */
  public void restart(long lastApplied) {
    List<Wakeup> ready = new ArrayList<>();
    synchronized (waitersLock) {
      tail.clear();
      sizes.clear();
      bytes = 0;
      coversAfter = lastApplied;
      lastPublished = lastApplied;
      waiters.values().forEach(ready::addAll);
      waiters.clear();
      ready.forEach(Wakeup::markWoken);
    }
    wakeups.execute(() -> ready.forEach(f -> f.complete(null)));
  }

  /** The wake keys of the streams a record concerns: its collections, their databases, the cluster, and {@link #ANY}. */
  static Set<String> wakeKeys(BsonDocument record) {
    Set<String> keys = new HashSet<>();
    keys.add(ANY);
    for (BsonValue event : record.getArray("events")) {
      BsonDocument ns = event.asDocument().getDocument("ns");
      String db = ns.getString("db").getValue();
      keys.add(CLUSTER_KEY);
      keys.add(databaseKey(db));
      if (ns.containsKey("coll")) {
        keys.add(collectionKey(db + "." + ns.getString("coll").getValue()));
      }
    }
    return keys;
  }

  static final String CLUSTER_KEY = "*";

  static String databaseKey(String db) {
    return "d:" + db;
  }

  static String collectionKey(String namespace) {
    return "c:" + namespace;
  }

  /**
   * The leader-stamped wall time of the first record in the tail after {@code index} (the tail's oldest
   * if {@code index} is older still), or empty if there is none.
   */
  public java.util.OptionalLong wallTimeAfter(long index) {
    Map.Entry<Long, BsonDocument> next = tail.higherEntry(index);
    return next == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(next.getValue().getDateTime("wallTime").getValue());
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

  /**
   * Completes (on the wake-up executor) once a record after {@code index} has been published that
   * concerns {@code wakeKey} — at once if one may already have been.
   */
  Wakeup whenPublishedAfter(long index, String wakeKey) {
    Wakeup future = new Wakeup();
    synchronized (waitersLock) {
      if (lastPublished > index) {
        future.complete(null);
      } else {
        waiters.computeIfAbsent(wakeKey, k -> new ArrayList<>()).add(future);
      }
    }
    return future;
  }

  /** Drops a waiter whose wait ended another way (its getMore timed out), so quiet scopes do not pile up futures. */
  void forget(String wakeKey, CompletableFuture<Void> future) {
    synchronized (waitersLock) {
      List<Wakeup> list = waiters.get(wakeKey);
      if (list != null && list.remove(future) && list.isEmpty()) {
        waiters.remove(wakeKey);
      }
    }
  }

  /** How many waiters are parked (for tests and status). */
  int waiting() {
    synchronized (waitersLock) {
      return waiters.values().stream().mapToInt(List::size).sum();
    }
  }

  private void wake(Set<String> keys) {
    List<Wakeup> ready = new ArrayList<>();
    synchronized (waitersLock) {
      for (String key : keys) {
        List<Wakeup> woken = waiters.remove(key);
        if (woken != null) {
          ready.addAll(woken);
        }
      }
      ready.forEach(Wakeup::markWoken);
    }
    if (!ready.isEmpty()) {
      wakeups.execute(() -> ready.forEach(f -> f.complete(null)));
    }
  }

  /**
   * A wait for a record, completed on the wake-up executor. {@link #isWoken} is true from the moment a
   * record it waits for is published, before the executor gets to it: a stream whose wake-up is queued
   * behind thousands of others is behind, not waiting.
   */
  static final class Wakeup extends CompletableFuture<Void> {
    private volatile boolean woken;

    private void markWoken() {
      woken = true;
    }

    boolean isWoken() {
      return woken || isDone();
    }
  }
}
