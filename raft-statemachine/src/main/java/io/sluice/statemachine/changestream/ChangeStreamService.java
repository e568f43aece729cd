package io.sluice.statemachine.changestream;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.Replies;
import io.sluice.protocol.ResumeToken;
import io.sluice.protocol.SluiceException;
import io.sluice.statemachine.storage.ChangeHistory;
import io.sluice.statemachine.storage.DocumentStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonValue;

/**
 * Serves change streams from this node's applied history, in MongoDB's cursor protocol:
 * {@code aggregate} with a first {@code $changeStream} stage opens a cursor, {@code getMore} returns
 * its next batch or waits up to {@code maxTimeMS} for one (woken by {@link ChangeHub}, no polling),
 * and {@code killCursors} closes it. Every reply carries a {@code postBatchResumeToken}.
 *
 * <p>Cursors live in this node's memory only; a client that loses its node resumes elsewhere from its
 * last token. Idle cursors are closed after {@code idleTimeout}.
 */
public final class ChangeStreamService implements AutoCloseable {
  /** Longest wait a getMore may ask for: below the clients' request timeout. */
  public static final Duration MAX_AWAIT = Duration.ofSeconds(10);
  private static final Duration DEFAULT_AWAIT = Duration.ofSeconds(1);

  private final DocumentStore store;
  private final ChangeHub hub;
  private final ScheduledExecutorService timers;
  private final LongSupplier nanoClock;
  private final Duration idleTimeout;
  private final Duration catchUpWait;
  private final Map<Long, StreamCursor> cursors = new ConcurrentHashMap<>();
  private final AtomicLong nextCursorId;
  private final LongAdder eventsDelivered = new LongAdder();
  private final LongAdder historyLostErrors = new LongAdder();
  private volatile boolean shuttingDown;

  public ChangeStreamService(DocumentStore store, ChangeHub hub, ScheduledExecutorService timers, LongSupplier nanoClock,
                             Duration idleTimeout, Duration catchUpWait, long cursorIdSeed) {
    this.store = store;
    this.hub = hub;
    this.timers = timers;
    this.nanoClock = nanoClock;
    this.idleTimeout = idleTimeout;
    this.catchUpWait = catchUpWait;
    this.nextCursorId = new AtomicLong(cursorIdSeed & 0x3FFF_FFFF_FFFF_FFFFL | 1);
    long period = Math.max(1, idleTimeout.toMillis() / 4);
    timers.scheduleWithFixedDelay(this::closeIdleCursors, period, period, TimeUnit.MILLISECONDS);
  }

  /** Whether the command is this service's: a change stream ({@code aggregate} from {@code $changeStream}) or a cursor's. */
  public static boolean handles(BsonDocument command) {
    return switch (command.getFirstKey()) {
      case "aggregate" -> StreamSpec.isChangeStream(command);
      case "getMore", "killCursors" -> true;
      default -> false;
    };
  }

  public int openCursors() {
    return cursors.size();
  }

  /** Events sent to clients by this node's streams since it started (invalidate events included). */
  public long eventsDelivered() {
    return eventsDelivered.sum();
  }

  /** Streams refused or ended since start because their position is older than this node's change history. */
  public long historyLostErrors() {
    return historyLostErrors.sum();
  }

  /**
   * How far an open stream trails this node's published history. A stream whose getMore is waiting
   * is not behind: nothing in its scope was published since it read.
   *
   * @param entries log entries published that it has not read (Raft's own entries count too)
   * @param seconds the age of the oldest of them, by its leader-stamped wall time (0 if none)
   */
  public record Lag(long entries, double seconds) {}

  /** The lag of the furthest-behind open stream, at wall time {@code nowMillis}. */
  public Lag lag(long nowMillis) {
    long end = hub.lastPublished();
    return cursors.values().stream().map(c -> lagOf(c, end, nowMillis)).max(BEHIND).orElse(new Lag(0, 0));
  }

  /** Orders lags from least to most behind: by entries, then by age. */
  private static final java.util.Comparator<Lag> BEHIND = java.util.Comparator.comparingLong(Lag::entries).thenComparingDouble(Lag::seconds);

  /** An open stream: its cursor, what it watches ({@code db.coll}, {@code db.*} or {@code *}), and how far behind it is. */
  public record StreamView(long cursorId, String namespace, Lag lag) {}

  /** Up to {@code limit} open streams, the furthest behind first (by entries, then by age), at wall time {@code nowMillis}. */
  public List<StreamView> mostBehind(int limit, long nowMillis) {
    long end = hub.lastPublished();
    return cursors.values().stream().map(c -> new StreamView(c.id, c.spec.watched(), lagOf(c, end, nowMillis)))
        .sorted(java.util.Comparator.comparing(StreamView::lag, BEHIND.reversed()))
        .limit(limit).toList();
  }

  private Lag lagOf(StreamCursor cursor, long end, long nowMillis) {
    long behind = end - cursor.readThrough();
    if (cursor.isWaiting() || behind <= 0) {
      return new Lag(0, 0);
    }
    // Older than the in-memory tail: the tail's oldest record gives a lower bound of the age.
    double seconds = hub.wallTimeAfter(cursor.readThrough()).stream().mapToDouble(t -> Math.max(0, nowMillis - t) / 1000.0).findFirst().orElse(0);
    return new Lag(behind, seconds);
  }

  /** Runs one cursor command; errors come back as error replies, never as a failed future. */
  public CompletableFuture<BsonDocument> execute(BsonDocument command) {
    CompletableFuture<BsonDocument> reply;
    try {
      reply = switch (command.getFirstKey()) {
        case "aggregate" -> open(command);
        case "getMore" -> getMore(command);
        case "killCursors" -> CompletableFuture.completedFuture(kill(command));
        default -> throw new SluiceException(ErrorCode.COMMAND_NOT_FOUND, "not a cursor command: " + command.getFirstKey());
      };
    } catch (SluiceException e) {
      reply = CompletableFuture.failedFuture(e);
    }
    return reply.exceptionally(this::toErrorReply);
  }

  private CompletableFuture<BsonDocument> open(BsonDocument command) {
    if (!StreamSpec.isChangeStream(command)) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "not a change stream: the pipeline does not start with $changeStream");
    }
    StreamSpec spec = StreamSpec.read(command);
    Optional<ResumeToken> token = spec.resumeAfter().or(spec::startAfter);
    long needed = Math.max(token.map(ResumeToken::index).orElse(0L), spec.afterIndex());
    return whenPublished(needed).thenApply(ignored -> {
      Start start = startFromTail(spec, token).orElseGet(() -> startLocked(spec, token));
      try {
        return openAt(spec, start);
      } catch (SluiceException e) {
        if (e.errorCode() != ErrorCode.CHANGE_STREAM_HISTORY_LOST || token.isPresent() || spec.startAtOperationTime().isPresent()) {
          throw e;
        }
        // A snapshot from the leader replaced the store between finding "now" and reading: "now" moved on.
        return openAt(spec, startLocked(spec, token));
      }
    });
  }

  /** Opens a cursor at {@code start} and reads its first batch. */
  private BsonDocument openAt(StreamSpec spec, Start start) {
    StreamCursor cursor = new StreamCursor(nextCursorId.getAndIncrement(), spec, store, hub, start.position(), start.isToken(),
        nanoClock.getAsLong());
    StreamCursor.Batch batch;
    try {
      batch = cursor.fill(spec.batchSize());
    } catch (RuntimeException e) {
      cursor.close();
      throw e;
    }
    if (batch.closed()) {
      cursor.close();
    } else {
      cursors.put(cursor.id, cursor);
    }
    return reply(cursor, batch, "firstBatch");
  }

  /**
   * Waits (bounded) until this node has published the record at {@code index}: a token's, so that it
   * can be checked, or the client's last write's, so that a stream at "now" starts after it.
   */
  private CompletableFuture<Void> whenPublished(long index) {
    if (hub.lastPublished() >= index) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> reached = new CompletableFuture<>();
    awaitPublished(index, reached);
    ScheduledFuture<?> deadline = timers.schedule(() -> reached.completeExceptionally(new SluiceException(
        ErrorCode.NOT_YET_APPLIED, "this node has applied up to index " + hub.lastPublished() + " and did not reach index " + index
        + " (of the resume token, or of the client's last write) within " + catchUpWait.toMillis() + " ms; try another node")),
        catchUpWait.toMillis(), TimeUnit.MILLISECONDS);
    reached.whenComplete((v, e) -> deadline.cancel(false));
    return reached;
  }

  /** Completes {@code reached} once {@code index} is published; a wait it ends first (at its deadline) leaves the hub. */
  private void awaitPublished(long index, CompletableFuture<Void> reached) {
    if (hub.lastPublished() >= index) {
      reached.complete(null);
      return;
    }
    ChangeHub.Wakeup wakeup = hub.whenPublishedAfter(index - 1, ChangeHub.ANY);
    reached.whenComplete((v, e) -> {
      if (!wakeup.isDone()) {
        hub.forget(wakeup);
      }
    });
    // Woken by the record, or by a snapshot from the leader replacing the store (then it looks again).
    wakeup.thenRun(() -> {
      if (!reached.isDone()) {
        awaitPublished(index, reached);
      }
    });
  }

  /** Where a new cursor starts: after {@code position}, which is a token to report unless only "before an operation time". */
  private record Start(ResumeToken position, boolean isToken) {}

  /**
   * Where a stream starts that opens at "now", or after a token whose record the hub's tail holds:
   * found without the store's lock, so that opens do not queue behind the apply thread while writes go
   * on. Empty where the store's history is needed (an older token, a start time, or nothing published
   * since this node started).
   */
  private Optional<Start> startFromTail(StreamSpec spec, Optional<ResumeToken> token) {
    if (token.isPresent()) {
      return hub.recent(token.get().index()).map(record -> {
        check(token.get(), record);
        return new Start(token.get(), true);
      });
    }
    if (spec.startAtOperationTime().isPresent()) {
      return Optional.empty();
    }
    return hub.newest().map(newest -> new Start(ResumeToken.highWaterMark(newest.term(), newest.index()), true));
  }

  private Start startLocked(StreamSpec spec, Optional<ResumeToken> token) {
    store.readLock().lock();
    try {
      return start(spec, token);
    } finally {
      store.readLock().unlock();
    }
  }

  private Start start(StreamSpec spec, Optional<ResumeToken> token) {
    ChangeHistory history = store.history();
    if (token.isPresent()) {
      check(token.get(), history);
      return new Start(token.get(), true);
    }
    if (spec.startAtOperationTime().isPresent()) {
      OptionalLong first = history.firstAtOrAfter(spec.startAtOperationTime().get());
      if (history.trimmedThrough() > 0 && history.firstIndex().isPresent()
          && history.at(history.firstIndex().getAsLong()).orElseThrow().getTimestamp("clusterTime").compareTo(spec.startAtOperationTime().get()) > 0) {
        throw historyLost("startAtOperationTime " + spec.startAtOperationTime().get() + " is older than this node's history",
            history.trimmedThrough());
      }
      return first.isPresent() ? new Start(ResumeToken.highWaterMark(0, first.getAsLong() - 1), false) : new Start(now(history), true);
    }
    return new Start(now(history), true);
  }

  private ResumeToken now(ChangeHistory history) {
    long last = hub.lastPublished();
    OptionalLong lastRecord = history.lastIndex();
    if (lastRecord.isEmpty()) {
      return ResumeToken.highWaterMark(0, last);
    }
    long term = history.at(lastRecord.getAsLong()).orElseThrow().getInt64("term").getValue();
    return ResumeToken.highWaterMark(term, lastRecord.getAsLong());
  }

  /** A token is good here if this node's history has its entry, from the same term, and the event in it. */
  private void check(ResumeToken token, ChangeHistory history) {
    if (token.index() == 0) {
      if (history.trimmedThrough() > 0) {
        throw historyLost("the resume token is from the start of the log", history.trimmedThrough());
      }
      return;
    }
    Optional<BsonDocument> record = history.at(token.index());
    if (record.isEmpty()) {
      if (token.index() <= history.trimmedThrough()) {
        throw historyLost("the resume token " + token + " points at index " + token.index(), history.trimmedThrough());
      }
      throw new SluiceException(ErrorCode.INVALID_RESUME_TOKEN, "resume token " + token + " names index " + token.index()
          + ", where this node's log has no write: the token is from another cluster or history");
    }
    check(token, record.get());
  }

  /** A token is good against its entry's record if the terms agree and the record has the event it names. */
  private static void check(ResumeToken token, BsonDocument record) {
    long term = record.getInt64("term").getValue();
    if (term != token.term()) {
      throw new SluiceException(ErrorCode.INVALID_RESUME_TOKEN, "resume token " + token + " says index " + token.index() + " has term "
          + token.term() + ", but here it has term " + term + ": the token is from another history (another cluster, or a restored backup)");
    }
    int events = record.getArray("events").size();
    if (token.kind() != ResumeToken.Kind.HIGH_WATER_MARK && Integer.compareUnsigned(token.ordinal(), events) >= 0) {
      throw new SluiceException(ErrorCode.INVALID_RESUME_TOKEN, "resume token " + token + " names event " + token.ordinal()
          + " of index " + token.index() + ", which has " + events + " events here");
    }
  }

  /** The error for a stream whose position ({@code what}) is older than a history that begins after {@code trimmedThrough}. */
  static SluiceException historyLost(String what, long trimmedThrough) {
    return new SluiceException(ErrorCode.CHANGE_STREAM_HISTORY_LOST, what + ", which is older than this node's change history (it begins "
        + "after index " + trimmedThrough + "); the events in between are gone, so the stream cannot resume without a gap. "
        + "Start a new stream, and widen the history window if this happens often");
  }

  private CompletableFuture<BsonDocument> getMore(BsonDocument command) {
    BsonValue id = command.get("getMore");
    if (id == null || !id.isNumber()) {
      throw new SluiceException(ErrorCode.TYPE_MISMATCH, "getMore takes a cursor id (a long), got " + id);
    }
    StreamCursor cursor = cursors.get(id.asNumber().longValue());
    if (cursor == null) {
      throw new SluiceException(ErrorCode.CURSOR_NOT_FOUND, "cursor id " + id.asNumber().longValue() + " not found on this node "
          + "(closed, timed out, or the node restarted); resume the stream from its last token");
    }
    int batchSize = StreamSpec.batchSizeOf(command.get("batchSize"), cursor.spec.batchSize());
    Duration await = awaitTime(command.get("maxTimeMS"));
    cursor.touch(nanoClock.getAsLong());
    return poll(cursor, batchSize == 0 ? StreamSpec.DEFAULT_BATCH_SIZE : batchSize, nanoClock.getAsLong() + await.toNanos());
  }

  private CompletableFuture<BsonDocument> poll(StreamCursor cursor, int batchSize, long deadlineNanos) {
    if (cursor.isClosed()) {
      // Closed while its getMore waited: its pin is gone, so reading on would read everything.
      throw shuttingDown
          ? new SluiceException(ErrorCode.SHUTDOWN_IN_PROGRESS, "this node is shutting down; resume the stream on another node")
          : new SluiceException(ErrorCode.CURSOR_KILLED, "cursor " + cursor.id + " was killed while its getMore waited");
    }
    StreamCursor.Batch batch;
    synchronized (cursor) {
      try {
        batch = cursor.fill(batchSize);
      } catch (RuntimeException e) {
        // Like MongoDB, a stream that hit an error is over; the client decides whether to resume.
        remove(cursor);
        throw e;
      }
    }
    long remaining = deadlineNanos - nanoClock.getAsLong();
    if (!batch.events().isEmpty() || batch.closed() || remaining <= 0) {
      if (batch.closed()) {
        remove(cursor);
      }
      cursor.touch(nanoClock.getAsLong());
      return CompletableFuture.completedFuture(reply(cursor, batch, "nextBatch"));
    }
    // Woken by a record that concerns the stream, by the stream's close, or at its deadline by the timer:
    // one future per wait, since thousands of waiting getMores keep theirs alive through collections.
    ChangeHub.Wakeup wakeup = hub.whenPublishedAfter(cursor.positionIndex(), cursor.watch);
    if (!wakeup.isDone()) {
      timers.schedule(() -> {
        if (!wakeup.isDone()) { // else woken before its deadline: nothing is filed, and the hub's lock is not needed
          hub.forget(wakeup);
          wakeup.complete(null);
        }
      }, remaining, TimeUnit.NANOSECONDS);
    }
    return wakeup.thenCompose(v -> poll(cursor, batchSize, deadlineNanos));
  }

  private static Duration awaitTime(BsonValue maxTimeMS) {
    if (maxTimeMS == null) {
      return DEFAULT_AWAIT;
    }
    if (!maxTimeMS.isNumber() || maxTimeMS.asNumber().longValue() < 0) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "getMore.maxTimeMS must be a non-negative number of milliseconds, got " + maxTimeMS);
    }
    long ms = maxTimeMS.asNumber().longValue();
    if (ms > MAX_AWAIT.toMillis()) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "getMore.maxTimeMS is " + ms + " ms; a change stream waits at most "
          + MAX_AWAIT.toMillis() + " ms per getMore");
    }
    return Duration.ofMillis(ms);
  }

  private BsonDocument kill(BsonDocument command) {
    return Replies.killCursors(command, id -> {
      StreamCursor cursor = cursors.get(id);
      return cursor != null && remove(cursor);
    });
  }

  /** Closes an open cursor: true if it was open (this call closed it). */
  private boolean remove(StreamCursor cursor) {
    boolean removed = cursors.remove(cursor.id, cursor);
    cursor.close();
    return removed;
  }

  private BsonDocument reply(StreamCursor cursor, StreamCursor.Batch batch, String batchField) {
    eventsDelivered.add(batch.events().size());
    BsonDocument body = new BsonDocument(batchField, batch.events());
    batch.postBatchResumeToken().ifPresent(t -> body.append("postBatchResumeToken", t.toBson()));
    body.append("id", new BsonInt64(batch.closed() ? 0 : cursor.id)).append("ns", new BsonString(cursor.spec.cursorNamespace()));
    return Replies.ok().append("cursor", body);
  }

  private BsonDocument toErrorReply(Throwable failure) {
    Throwable cause = failure;
    while ((cause instanceof java.util.concurrent.CompletionException || cause instanceof java.util.concurrent.ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof SluiceException e) {
      if (e.errorCode() == ErrorCode.CHANGE_STREAM_HISTORY_LOST) {
        historyLostErrors.increment();
      }
      return Replies.error(e);
    }
    return Replies.error(ErrorCode.INTERNAL_ERROR, "change stream failed: " + cause);
  }

  private void closeIdleCursors() {
    long now = nanoClock.getAsLong();
    cursors.values().stream().filter(c -> now - c.lastUsedNanos() > idleTimeout.toNanos()).toList().forEach(this::remove);
  }

  /** Closes every stream; a getMore that waits ends with a resumable error, so that its client resumes elsewhere. */
  @Override
  public void close() {
    shuttingDown = true;
    List.copyOf(cursors.values()).forEach(this::remove);
  }
}
