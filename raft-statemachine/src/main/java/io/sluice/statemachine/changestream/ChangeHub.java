package io.sluice.statemachine.changestream;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.NavigableMap;
import java.util.Optional;
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
 * another. A stream whose filter pins a field of the event to a few values ({@link FieldPin}) is woken
 * only by events with one of them there, and skips the rest unread ({@link #skip}): thousands of
 * streams that each watch their own documents cost one stream's work per write.
 */
public final class ChangeHub {
  private final ConcurrentSkipListMap<Long, BsonDocument> tail = new ConcurrentSkipListMap<>();
  private final int maxEntries;
  private final long maxBytes;
  private final java.util.ArrayDeque<Integer> sizes = new java.util.ArrayDeque<>();
  private long bytes;
  private final Executor wakeups;
  private final Object waitersLock = new Object();
  /**
   * Waits by wake key; {@link #ANY} is woken by every record. Node-local, so its order never matters.
   * Sets, so that unfiling one of thousands of waits (a timeout, a close) costs the same as filing it.
   */
  private final Map<String, Set<Wakeup>> waiters = new HashMap<>();
  static final String ANY = "";
  private final PinnedWatches pinned = new PinnedWatches();
  private volatile long coversAfter;
  /** The newest published record's position; written after the pins it touched, under {@code waitersLock}. */
  private volatile Published published;
  /** Pins know nothing of records up to here (the store came from a snapshot): no skipping over them. */
  private volatile long trackedSince;

  /** Where the newest published record is; {@code term} is {@link #UNKNOWN_TERM} until one is published after a (re)start. */
  record Published(long index, long term) {}

  private static final long UNKNOWN_TERM = -1;

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
    this.trackedSince = lastApplied;
    this.published = new Published(lastApplied, UNKNOWN_TERM);
  }

  /**
   * Called by the apply thread, in index order, once the record ({@code encodedBytes} long) is committed.
   * The tail drops what the store's history window has trimmed ({@code historyTrimmedThrough}), so that
   * a token the window has lost is lost here too, whatever the tail's own size.
   */
  public void publish(long index, BsonDocument record, int encodedBytes, long historyTrimmedThrough) {
    tail.put(index, record);
    sizes.addLast(encodedBytes);
    bytes += encodedBytes;
    while (!tail.isEmpty() && (sizes.size() > maxEntries || (bytes > maxBytes && sizes.size() > 1) || tail.firstKey() <= historyTrimmedThrough)) {
      coversAfter = tail.pollFirstEntry().getKey();
      bytes -= sizes.removeFirst();
    }
    List<Wakeup> ready = new ArrayList<>();
    synchronized (waitersLock) {
      for (String key : wakeKeys(record)) {
        Set<Wakeup> woken = waiters.remove(key);
        if (woken != null) {
          ready.addAll(woken);
        }
      }
      for (BsonValue event : record.getArray("events")) {
        pinned.touch(index, event.asDocument(), ready);
      }
      published = new Published(index, record.getInt64("term").getValue());
      ready.forEach(Wakeup::markWoken);
    }
    if (!ready.isEmpty()) {
      wakeups.execute(() -> ready.forEach(f -> f.complete(null)));
    }
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
      trackedSince = lastApplied;
      published = new Published(lastApplied, UNKNOWN_TERM);
      waiters.values().forEach(ready::addAll);
      waiters.clear();
      pinned.takeAllWaits(ready);
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

  /**
   * Where the newest published record is, or empty until one has been published since the node
   * (re)started. Read without the store's lock: a stream can start from it while the apply thread works.
   */
  Optional<Published> newest() {
    Published newest = published;
    return newest.term() == UNKNOWN_TERM ? Optional.empty() : Optional.of(newest);
  }

  /**
   * The published record at {@code index} if the tail still holds it. The store's history has it too,
   * or trimmed it a moment ago (the tail drops it when the entry that trimmed it is published): a stream that reads on from
   * the store then ends with ChangeStreamHistoryLost, never with a gap.
   */
  Optional<BsonDocument> recent(long index) {
    return Optional.ofNullable(tail.get(index));
  }

  /** The index of the newest published record: streams read no further. */
  public long lastPublished() {
    return published.index();
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
   * What one stream waits for: the records of its scope ({@code scopeKey}), or, when it is pinned, the
   * records that touch its pin in its collection. A pinned watch is tracked by the hub from {@link #register}
   * until {@link #release}; its getMore files one wait at a time ({@link #whenPublishedAfter}).
   */
  static final class Watch {
    final String scopeKey;
    final String namespace;
    final FieldPin pin;
    /** Guarded by the hub's {@code waitersLock}. */
    private boolean released;
    /** The wait filed last (written under the hub's {@code waitersLock}); null if none was or it was forgotten. */
    private volatile Wakeup waiting;

    private Watch(String scopeKey, String namespace, FieldPin pin) {
      this.scopeKey = scopeKey;
      this.namespace = namespace;
      this.pin = pin;
    }

    static Watch of(String scopeKey) {
      return new Watch(scopeKey, null, null);
    }

    /** True while a wait is filed and nothing it waits for has been published yet. */
    boolean isWaiting() {
      Wakeup w = waiting;
      return w != null && !w.isWoken();
    }
  }

  /**
   * The watch of a new stream with this scope: pinned if {@code pin} is given (the stream is on the
   * collection {@code namespace}), and then tracked by the hub until {@link #release}d.
   */
  Watch register(String scopeKey, String namespace, Optional<FieldPin> pin) {
    if (pin.isEmpty()) {
      return Watch.of(scopeKey);
    }
    synchronized (waitersLock) {
      pinned.register(namespace, pin.get(), published.index());
    }
    return new Watch(scopeKey, namespace, pin.get());
  }

  /**
   * Ends a watch: stops tracking its pin, and ends its filed wait at once (on the calling thread), so
   * that a getMore waiting for a closed stream does not wait out its time. A second release does nothing.
   */
  void release(Watch watch) {
    Wakeup cancelled;
    synchronized (waitersLock) {
      if (watch.released) {
        return;
      }
      watch.released = true;
      if (watch.pin != null) {
        pinned.release(watch.namespace, watch.pin);
      }
      cancelled = watch.waiting;
      if (cancelled != null) {
        unfile(cancelled);
      }
    }
    if (cancelled != null) {
      cancelled.complete(null);
    }
  }

  /**
   * Where a stream goes next: to {@code quietTo} without reading, when nothing published since it read
   * concerns it; else on, reading the records after {@code readAfter}.
   */
  record Skip(Optional<Published> quietTo, long readAfter) {

    static Skip quietTo(Published newest) {
      return new Skip(Optional.of(newest), newest.index());
    }

    static Skip readAfter(long index) {
      return new Skip(Optional.empty(), index);
    }
  }

  /**
   * Where a stream that has read through {@code readThrough} goes next. A pinned stream moves to the
   * newest published position if nothing published since touches its pin, else reads on from the first
   * record that may. An unpinned stream reads on from where it is.
   */
  Skip skip(Watch watch, long readThrough) {
    Published newest = published;
    if (watch.pin == null || readThrough < trackedSince) {
      return Skip.readAfter(readThrough);
    }
    long first = pinned.firstTouchAfter(watch.namespace, watch.pin, readThrough);
    // A touch newer than the newest position read is of a record being published now: none before it.
    if (first > newest.index()) {
      return newest.index() > readThrough ? Skip.quietTo(newest) : Skip.readAfter(readThrough);
    }
    return Skip.readAfter(first - 1);
  }

  /**
   * Completes (on the wake-up executor) once a record after {@code index} has been published that
   * concerns the watch — at once if one may already have been, or if the watch was released.
   */
  Wakeup whenPublishedAfter(long index, Watch watch) {
    Wakeup future = new Wakeup(watch);
    synchronized (waitersLock) {
      if (watch.released || published.index() > index) {
        future.complete(null);
        return future;
      }
      if (watch.pin != null) {
        pinned.await(future);
      } else {
        waiters.computeIfAbsent(watch.scopeKey, k -> new LinkedHashSet<>()).add(future);
      }
      watch.waiting = future;
    }
    return future;
  }

  Wakeup whenPublishedAfter(long index, String scopeKey) {
    return whenPublishedAfter(index, Watch.of(scopeKey));
  }

  /** Drops a wait that timed out, so that quiet scopes do not pile up futures. */
  void forget(Wakeup future) {
    synchronized (waitersLock) {
      unfile(future);
    }
  }

  private void unfile(Wakeup future) {
    Watch watch = future.watch;
    if (watch.waiting == future) {
      watch.waiting = null;
    }
    if (watch.pin != null) {
      pinned.forget(future);
      return;
    }
    Set<Wakeup> filed = waiters.get(watch.scopeKey);
    if (filed != null && filed.remove(future) && filed.isEmpty()) {
      waiters.remove(watch.scopeKey);
    }
  }

  /** Pinned values tracked for open streams (for tests). */
  int trackedPinValues() {
    synchronized (waitersLock) {
      return pinned.trackedValues();
    }
  }

  /** How many waiters are parked (for tests and status). */
  int waiting() {
    synchronized (waitersLock) {
      return waiters.values().stream().mapToInt(Set::size).sum() + pinned.waiting();
    }
  }

  /**
   * A wait for a record, completed on the wake-up executor. {@link #isWoken} is true from the moment a
   * record it waits for is published, before the executor gets to it: a stream whose wake-up is queued
   * behind thousands of others is behind, not waiting.
   */
  static final class Wakeup extends CompletableFuture<Void> {
    final Watch watch;
    private volatile boolean woken;

    private Wakeup(Watch watch) {
      this.watch = watch;
    }

    private void markWoken() {
      woken = true;
    }

    boolean isWoken() {
      return woken || isDone();
    }
  }
}
