package io.sluice.statemachine.changestream;

import io.sluice.protocol.BsonBytes;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.Limits;
import io.sluice.protocol.ResumeToken;
import io.sluice.protocol.SluiceException;
import io.sluice.statemachine.storage.DocumentStore;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;

/**
 * One open change stream on this node: its spec, its compiled pipeline, and how far it has read.
 * {@link #fill} reads the records after its position — from the node's shared tail, or from the
 * store's history for older positions — renders and filters their events, and advances.
 * Not thread-safe: the service lets one request at a time use a cursor.
 */
final class StreamCursor {
  final long id;
  final StreamSpec spec;
  /** What it waits for in the hub; released when the cursor closes. */
  final ChangeHub.Watch watch;
  private final EventView view;
  private final DocumentStore store;
  private final ChangeHub hub;
  /** Everything up to and including this position was read. */
  private ResumeToken position;
  /** The last index whose events this cursor has read in full: for lag figures, read from other threads. */
  private volatile long readThrough;
  /** False while the position only stands for "before the first record at startAtOperationTime": no token to report yet. */
  private boolean positionIsToken;
  private boolean invalidated;
  /**
   * The stream's startAtOperationTime until it reads a record from that time on: one given in the
   * future starts the stream at the newest record, and what is written before that time is not shown.
   */
  private BsonTimestamp notBefore;
  private volatile long lastUsedNanos;
  private volatile boolean closed;

  StreamCursor(long id, StreamSpec spec, DocumentStore store, ChangeHub hub, ResumeToken start, boolean startIsToken, long nowNanos) {
    this.id = id;
    this.spec = spec;
    this.watch = hub.register(spec.wakeKey(), spec.database() + "." + spec.collection(), spec.pin());
    this.view = new EventView(spec, store);
    this.store = store;
    this.hub = hub;
    this.position = start;
    this.positionIsToken = startIsToken;
    this.notBefore = spec.startAtOperationTime().orElse(null);
    this.lastUsedNanos = nowNanos;
    this.readThrough = readThrough(start);
  }

  private static long readThrough(ResumeToken position) {
    return position.kind() == ResumeToken.Kind.HIGH_WATER_MARK ? position.index() : position.index() - 1;
  }

  record Batch(BsonArray events, Optional<ResumeToken> postBatchResumeToken, boolean closed) {}

  boolean isInvalidated() {
    return invalidated;
  }

  long positionIndex() {
    return position.index();
  }

  void touch(long nowNanos) {
    lastUsedNanos = nowNanos;
  }

  long lastUsedNanos() {
    return lastUsedNanos;
  }

  long readThrough() {
    return readThrough;
  }

  /** True while its getMore waits and nothing it waits for has been published yet. */
  boolean isWaiting() {
    return watch.isWaiting();
  }

  /** Ends the stream's interest in the hub, and the wait of its getMore if one waits. Idempotent. */
  void close() {
    closed = true;
    hub.release(watch);
  }

  boolean isClosed() {
    return closed;
  }

  /**
   * Reads up to {@code limit} events that this stream shows, stopping at the last published record.
   * A pinned stream that nothing published concerns moves on without reading.
   */
  Batch fill(int limit) {
    try {
      ChangeHub.Skip skip = hub.skip(watch, readThrough(position));
      if (skip.quietTo().isPresent()) {
        // Nothing published since it read can match its pin: where reading every record would end.
        ChangeHub.Published quietTo = skip.quietTo().get();
        position = ResumeToken.highWaterMark(quietTo.term(), quietTo.index());
        positionIsToken = true;
        return new Batch(new BsonArray(), Optional.of(position), false);
      }
      return read(limit, skip.readAfter());
    } finally {
      readThrough = readThrough(position);
    }
  }

  /** Reads the records after {@code readAfter} (at least its position; those in between show nothing for it). */
  private Batch read(int limit, long readAfter) {
    Collected batch = new Collected(limit);
    long end = hub.lastPublished();
    boolean partial = position.kind() != ResumeToken.Kind.HIGH_WATER_MARK;
    long from = Math.max(partial ? position.index() - 1 : position.index(), readAfter);
    try (Records records = new Records(from)) {
      for (Map.Entry<Long, BsonDocument> entry = records.next(); entry != null && entry.getKey() <= end && !batch.isFull(); entry = records.next()) {
        long index = entry.getKey();
        long term = entry.getValue().getInt64("term").getValue();
        positionIsToken = true;
        if (isBeforeStart(entry.getValue())) {
          position = ResumeToken.highWaterMark(term, index);
          continue;
        }
        int first = index == position.index() && partial ? position.ordinal() + 1 : 0;
        if (!readEvents(entry.getValue(), term, index, first, batch)) {
          break;
        }
        position = ResumeToken.highWaterMark(term, index);
        if (watch.pin != null && !batch.isFull()) {
          // A pinned stream goes from one record that touches its pin to the next, not through all in between.
          ChangeHub.Skip next = hub.skip(watch, index);
          if (next.quietTo().isPresent()) {
            position = ResumeToken.highWaterMark(next.quietTo().get().term(), next.quietTo().get().index());
            break;
          }
          if (next.readAfter() > index) {
            records.seek(next.readAfter());
          }
        }
      }
    }
    return new Batch(batch.events, positionIsToken ? Optional.of(position) : Optional.empty(), invalidated);
  }

  /** True for a record written before the stream's start time; from the first one that is not, none is (cluster time only grows). */
  private boolean isBeforeStart(BsonDocument record) {
    if (notBefore == null) {
      return false;
    }
    if (record.getTimestamp("clusterTime").compareTo(notBefore) >= 0) {
      notBefore = null;
      return false;
    }
    return true;
  }

  /** The events a batch has collected, up to {@code limit} of them and about a document's size in bytes. */
  private static final class Collected {
    final BsonArray events = new BsonArray();
    private final int limit;
    private long bytes;

    Collected(int limit) {
      this.limit = limit;
    }

    void add(BsonDocument event) {
      events.add(event);
      bytes += BsonBytes.encode(event).length;
    }

    boolean isFull() {
      return events.size() >= limit || bytes > Limits.MAX_DOCUMENT_BYTES;
    }
  }

  /**
   * Adds the events of one record from ordinal {@code first} on that this stream shows; true if it read
   * them all, false if the batch filled up or the stream ended first (its position says where it stopped).
   */
  private boolean readEvents(BsonDocument record, long term, long index, int first, Collected batch) {
    BsonArray events = record.getArray("events");
    for (int ordinal = first; ordinal < events.size(); ordinal++) {
      if (batch.isFull() || invalidated) {
        return false;
      }
      BsonDocument stored = events.get(ordinal).asDocument();
      position = ResumeToken.event(term, index, ordinal);
      if (!inScope(stored) || missesPin(stored)) {
        continue;
      }
      show(stored).ifPresent(batch::add);
      if (endsStream(stored)) {
        batch.add(invalidateEvent(stored, term, index, ordinal));
        position = ResumeToken.invalidate(term, index, ordinal);
        invalidated = true;
      }
    }
    return !invalidated;
  }

  /**
   * The records after an index: from the hub's tail while it holds them, without a lock (they never
   * change), else from the store's history under the store's read lock, held until closed (a snapshot
   * from the leader may replace the store, never mid-batch). Records the history window has trimmed
   * cannot be read: the stream then ends with {@code ChangeStreamHistoryLost}.
   */
  private final class Records implements AutoCloseable {
    private Iterator<Map.Entry<Long, BsonDocument>> iterator;
    private boolean fromTail;
    private boolean locked;
    /** The index of the last record returned (or the one it started after). */
    private long after;

    Records(long after) {
      seek(after);
    }

    void seek(long index) {
      after = index;
      fromTail = hub.covers(index);
      try {
        if (!fromTail) {
          if (!locked) {
            store.readLock().lock();
            locked = true;
          }
          long trimmedThrough = store.history().trimmedThrough();
          if (index < trimmedThrough) {
            // The window trimmed records this stream had not read (it fell behind, or a snapshot replaced the store).
            throw ChangeStreamService.historyLost("this stream's next record is after index " + index, trimmedThrough);
          }
        }
        iterator = fromTail ? hub.after(index).entrySet().iterator() : store.history().after(index);
      } catch (RuntimeException | Error e) {
        close(); // a constructor that throws is not closed by its try-with-resources
        throw e;
      }
    }

    /** The next record, or null after the last. */
    Map.Entry<Long, BsonDocument> next() {
      Map.Entry<Long, BsonDocument> next = iterator.hasNext() ? iterator.next() : null;
      if (fromTail && !hub.covers(after)) {
        // The tail dropped records after the last one returned while this read: the store has them.
        seek(after);
        return next();
      }
      if (next != null) {
        after = next.getKey();
      }
      return next;
    }

    @Override
    public void close() {
      if (locked) {
        locked = false;
        store.readLock().unlock();
      }
    }
  }

  private Optional<BsonDocument> show(BsonDocument stored) {
    BsonDocument rendered = view.render(stored);
    BsonValue token = rendered.get("_id");
    Optional<BsonDocument> result = spec.pipeline().apply(rendered);
    if (result.isPresent() && !token.equals(result.get().get("_id"))) {
      throw new SluiceException(ErrorCode.CHANGE_STREAM_FATAL_ERROR, "Encountered an event whose _id field, which contains the resume "
          + "token, was modified by the pipeline. Modifying the _id field of an event makes it impossible to resume the stream from "
          + "that point. Only transformations that retain the unmodified _id field are allowed. Event: " + token.toString());
    }
    return result;
  }

  /** True if the event cannot pass the stream's first $match: it holds none of the pinned values (checked before rendering it). */
  private boolean missesPin(BsonDocument event) {
    if (spec.pin().isEmpty()) {
      return false;
    }
    FieldPin.Touch touch = spec.pin().get().touch(event);
    return switch (touch.held()) {
      case NOTHING -> true;
      case VALUE -> !spec.pin().get().values().contains(touch.key());
      case UNKNOWN -> false;
    };
  }

  private boolean inScope(BsonDocument event) {
    BsonDocument ns = event.getDocument("ns");
    return switch (spec.scope()) {
      case CLUSTER -> true;
      case DATABASE -> ns.getString("db").getValue().equals(spec.database());
      case COLLECTION -> ns.getString("db").getValue().equals(spec.database()) && ns.containsKey("coll")
          && ns.getString("coll").getValue().equals(spec.collection());
    };
  }

  /** A collection stream ends when its collection is dropped or renamed; a database stream when its database is. */
  private boolean endsStream(BsonDocument event) {
    String type = event.getString("operationType").getValue();
    return switch (spec.scope()) {
      case COLLECTION -> type.equals("drop") || type.equals("rename");
      case DATABASE -> type.equals("dropDatabase");
      case CLUSTER -> false;
    };
  }

  private static BsonDocument invalidateEvent(BsonDocument cause, long term, long index, int ordinal) {
    return new BsonDocument("_id", ResumeToken.invalidate(term, index, ordinal).toBson())
        .append("operationType", new BsonString("invalidate"))
        .append("clusterTime", cause.get("clusterTime"))
        .append("wallTime", cause.get("wallTime"));
  }
}
