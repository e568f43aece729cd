package io.sluice.statemachine.changestream;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bson.BsonDocument;

/**
 * The {@link ChangeHub}'s index of pinned streams ({@link FieldPin}): which fields of which collections
 * are pinned and to which values, by how many open streams; the last two published indexes that touched
 * each pinned value, or touched a pinned field in a way no pin can rule out; and the waits by value.
 *
 * <p>Changed only under the hub's lock. {@link #firstTouchAfter} reads without it: the hub writes its
 * published position after the touches of that position, so a reader that saw the position sees them.
 */
final class PinnedWatches {
  /** No touch since. */
  static final long NONE = Long.MAX_VALUE;

  /** A pinned field, as streams of one {@code fullDocument} mode see it (an update shows each mode a different document). */
  record Field(String namespace, String path, StreamSpec.FullDocument fullDocument) {

    Field(String namespace, FieldPin pin) {
      this(namespace, pin.path(), pin.fullDocument());
    }
  }

  record Value(Field field, EqualityKey key) {}

  /** The last two indexes that touched a value (or a field); both are the registration's index until it is touched. */
  private record Touches(long previous, long last) {

    Touches then(long index) {
      return index == last ? this : new Touches(last, index);
    }

    /** The first index after {@code readThrough} that touched, {@link #NONE}, or {@code readThrough + 1} if it cannot tell. */
    long firstAfter(long readThrough) {
      return last <= readThrough ? NONE : previous <= readThrough ? last : readThrough + 1;
    }
  }

  /** Pinned fields by namespace, each with the number of streams pinning it. */
  private final Map<String, Map<Field, Integer>> streamsPerField = new HashMap<>();
  private final Map<Value, Integer> streamsPerValue = new HashMap<>();
  private final Map<Value, Touches> valueTouches = new ConcurrentHashMap<>();
  /** Touches of a field as a whole: events that may hold any value there ({@link FieldPin.Held#UNKNOWN}). */
  private final Map<Field, Touches> fieldTouches = new ConcurrentHashMap<>();
  /** Waits by pinned value; a wait for several values ({@code $in}) is under each of them (sets: unfiling one costs what filing it does). */
  private final Map<Field, Map<EqualityKey, Set<ChangeHub.Wakeup>>> waiters = new HashMap<>();

  /** Starts tracking a stream's pin; what was published up to {@code published} counts as touching it. */
  void register(String namespace, FieldPin pin, long published) {
    Field field = new Field(namespace, pin);
    if (streamsPerField.computeIfAbsent(namespace, n -> new HashMap<>()).merge(field, 1, Integer::sum) == 1) {
      fieldTouches.put(field, new Touches(published, published));
    }
    for (EqualityKey key : pin.values()) {
      Value value = new Value(field, key);
      if (streamsPerValue.merge(value, 1, Integer::sum) == 1) {
        valueTouches.put(value, new Touches(published, published));
      }
    }
  }

  void release(String namespace, FieldPin pin) {
    Field field = new Field(namespace, pin);
    for (EqualityKey key : pin.values()) {
      Value value = new Value(field, key);
      if (streamsPerValue.merge(value, -1, Integer::sum) == 0) {
        streamsPerValue.remove(value);
        valueTouches.remove(value);
      }
    }
    Map<Field, Integer> pinned = streamsPerField.get(namespace);
    if (pinned.merge(field, -1, Integer::sum) == 0) {
      pinned.remove(field);
      fieldTouches.remove(field);
      if (pinned.isEmpty()) {
        streamsPerField.remove(namespace);
      }
    }
  }

  /** Files a wait of a pinned watch under each value of its pin. */
  void await(ChangeHub.Wakeup wakeup) {
    FieldPin pin = wakeup.watch.pin;
    Map<EqualityKey, Set<ChangeHub.Wakeup>> byValue = waiters.computeIfAbsent(new Field(wakeup.watch.namespace, pin), f -> new HashMap<>());
    pin.values().forEach(key -> byValue.computeIfAbsent(key, k -> new LinkedHashSet<>()).add(wakeup));
  }

  void forget(ChangeHub.Wakeup wakeup) {
    FieldPin pin = wakeup.watch.pin;
    Field field = new Field(wakeup.watch.namespace, pin);
    Map<EqualityKey, Set<ChangeHub.Wakeup>> byValue = waiters.get(field);
    if (byValue == null) {
      return;
    }
    for (EqualityKey key : pin.values()) {
      Set<ChangeHub.Wakeup> filed = byValue.get(key);
      if (filed != null && filed.remove(wakeup) && filed.isEmpty()) {
        byValue.remove(key);
      }
    }
    if (byValue.isEmpty()) {
      waiters.remove(field);
    }
  }

  /** Pinned values tracked: a value stays tracked while a stream pins it. */
  int trackedValues() {
    return streamsPerValue.size();
  }

  /** Parked waits, a wait for several values counted once per value. */
  int waiting() {
    return waiters.values().stream().flatMap(m -> m.values().stream()).mapToInt(Set::size).sum();
  }

  /** Hands over every wait (the store was replaced). */
  void takeAllWaits(List<ChangeHub.Wakeup> ready) {
    waiters.values().forEach(byValue -> byValue.values().forEach(ready::addAll));
    waiters.clear();
  }

  /** Notes which pins one event of the record published at {@code index} touches, and adds their waits to {@code ready}. */
  void touch(long index, BsonDocument event, List<ChangeHub.Wakeup> ready) {
    if (streamsPerField.isEmpty()) {
      return;
    }
    BsonDocument ns = event.getDocument("ns");
    String db = ns.getString("db").getValue();
    if (!ns.containsKey("coll")) {
      // A database-wide event (dropDatabase) ends the streams of all its collections.
      String prefix = db + ".";
      streamsPerField.forEach((namespace, pinned) -> {
        if (namespace.startsWith(prefix)) {
          pinned.keySet().forEach(field -> touchAll(field, index, ready));
        }
      });
      return;
    }
    Map<Field, Integer> pinned = streamsPerField.get(db + "." + ns.getString("coll").getValue());
    if (pinned == null) {
      return;
    }
    for (Field field : pinned.keySet()) {
      FieldPin.Touch touch = FieldPin.touch(event, field.path(), field.fullDocument());
      switch (touch.held()) {
        case VALUE -> touchOne(new Value(field, touch.key()), index, ready);
        case UNKNOWN -> touchAll(field, index, ready);
        case NOTHING -> { }
      }
    }
  }

  private void touchOne(Value value, long index, List<ChangeHub.Wakeup> ready) {
    valueTouches.computeIfPresent(value, (v, touches) -> touches.then(index));
    Map<EqualityKey, Set<ChangeHub.Wakeup>> byValue = waiters.get(value.field());
    if (byValue != null) {
      Set<ChangeHub.Wakeup> woken = byValue.remove(value.key());
      if (woken != null) {
        ready.addAll(woken);
        // A wait for several values is filed under each: it ends here, so it goes from the others too.
        woken.stream().filter(w -> w.watch.pin.values().size() > 1).forEach(this::forget);
      }
      if (byValue.isEmpty()) {
        waiters.remove(value.field());
      }
    }
  }

  private void touchAll(Field field, long index, List<ChangeHub.Wakeup> ready) {
    fieldTouches.computeIfPresent(field, (f, touches) -> touches.then(index));
    Map<EqualityKey, Set<ChangeHub.Wakeup>> byValue = waiters.remove(field);
    if (byValue != null) {
      byValue.values().forEach(ready::addAll);
    }
  }

  /**
   * The first published index after {@code readThrough} that may touch the pin (one of its values, or
   * its field as a whole); {@link #NONE} if none did; {@code readThrough + 1} if that cannot be told:
   * touched twice since, or no longer tracked (its streams were all released).
   */
  long firstTouchAfter(String namespace, FieldPin pin, long readThrough) {
    Field field = new Field(namespace, pin);
    Touches whole = fieldTouches.get(field);
    long first = whole == null ? readThrough + 1 : whole.firstAfter(readThrough);
    for (EqualityKey key : pin.values()) {
      Touches touches = valueTouches.get(new Value(field, key));
      first = Math.min(first, touches == null ? readThrough + 1 : touches.firstAfter(readThrough));
    }
    return first;
  }
}
