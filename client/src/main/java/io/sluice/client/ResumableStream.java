package io.sluice.client;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.Replies;
import io.sluice.protocol.ResumeToken;
import io.sluice.protocol.SluiceException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.RaftPeerId;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One change stream's round trips and bookkeeping, without a thread of its own: {@link #open} and
 * {@link #fetch} return futures that complete once a batch is buffered; {@link #poll} hands out the
 * buffered events and advances the resume token. {@link ChangeStreamCursor} waits on the futures;
 * {@link ChangeStreamSubscription} chains them to its subscriber's demand.
 *
 * <p>If the serving node fails, times out or loses the cursor, the stream reopens on another node
 * right after its resume token, trying each node once per failure, as MongoDB drivers do, and again
 * while a node that is up has not yet applied the token's entry (see {@link #resumeAfterFailure}).
 * Failures that resuming cannot fix complete the future with a {@link ChangeStreamException} and end
 * the stream.
 *
 * <p>Its owner starts one round trip at a time and polls only between them; {@link #close} may come
 * from any thread at any time, and the state a reply thread changes is guarded by this object.
 */
final class ResumableStream {
  private static final Logger LOG = LoggerFactory.getLogger(ResumableStream.class);
  private static final long ROUND_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

  private final StreamTransport transport;
  private final WatchOptions options;
  private final Deque<BsonDocument> buffer = new ArrayDeque<>();
  private RaftPeerId node;
  private long cursorId;
  private String namespace;
  private ResumeToken resumeToken;
  private ResumeToken batchHighWaterMark;
  /** No round trip will bring more events: invalidated, failed or closed. */
  private volatile boolean ended;
  /** Closed by its owner or the client: a round trip still under way then changes nothing. */
  private volatile boolean closed;
  private final List<Runnable> closeListeners = new CopyOnWriteArrayList<>();

  ResumableStream(StreamTransport transport, WatchOptions options) {
    this.transport = transport;
    this.options = options;
    this.resumeToken = options.initialToken().orElse(null);
  }

  /** Opens the stream on {@code first}, or on another node after its own start if that one fails. */
  CompletableFuture<Void> open(RaftPeerId first) {
    if (closed) {
      return CompletableFuture.completedFuture(null);
    }
    return openOn(first).exceptionallyCompose(e -> resumeAfterFailure(first, unwrap(e)));
  }

  /** The next batch: events, or none once the await time passed; resumes elsewhere if the node fails. */
  CompletableFuture<Void> fetch() {
    RaftPeerId from;
    BsonDocument getMore;
    synchronized (this) {
      from = node;
      getMore = new BsonDocument("getMore", new BsonInt64(cursorId))
          .append("collection", new BsonString(collectionOf(namespace))).append("$db", new BsonString(databaseOf(namespace)))
          .append("batchSize", new BsonInt64(options.batchSize())).append("maxTimeMS", new BsonInt64(options.maxAwaitMillis()));
    }
    return transport.send(from, getMore).thenAccept(reply -> accept(from, Replies.check(reply).getDocument("cursor"), "nextBatch"))
        .exceptionallyCompose(e -> resumeAfterFailure(from, unwrap(e)));
  }

  synchronized boolean hasBuffered() {
    return !buffer.isEmpty();
  }

  /** The next buffered event, or null; the resume token moves past it (and to the batch's high-water mark after its last). */
  synchronized BsonDocument poll() {
    BsonDocument event = buffer.poll();
    if (event == null) {
      return null;
    }
    resumeToken = ResumeToken.fromBson(event.get("_id"));
    if (buffer.isEmpty() && batchHighWaterMark != null && batchHighWaterMark.compareTo(resumeToken) > 0) {
      resumeToken = batchHighWaterMark;
    }
    if ("invalidate".equals(event.getString("operationType", new BsonString("")).getValue())) {
      ended = true;
    }
    return event;
  }

  /** True once no round trip can bring more events (invalidated, failed or closed). */
  boolean isEnded() {
    return ended;
  }

  boolean isClosed() {
    return closed;
  }

  /**
   * Runs {@code listener} once the stream is closed, by its owner or by the client's close; one added
   * after the close does not run, so owners add theirs before they let anyone close the stream, or
   * look at {@link #isClosed} afterwards (a subscription drains after it adds its own).
   */
  void onClose(Runnable listener) {
    closeListeners.add(listener);
  }

  synchronized ResumeToken resumeToken() {
    return resumeToken;
  }

  synchronized String servingNode() {
    return transport.address(node);
  }

  /**
   * Ends the stream and kills its cursor on the serving node, which also ends a getMore waiting there.
   * The future completes when the node answered; a node that is gone or a cursor that already timed out
   * leaves nothing to close, so it never fails.
   */
  CompletableFuture<Void> close() {
    synchronized (this) {
      if (closed) {
        return CompletableFuture.completedFuture(null);
      }
      closed = true;
      ended = true;
      buffer.clear();
    }
    CompletableFuture<Void> kill = killCursor();
    closeListeners.forEach(Runnable::run);
    return kill;
  }

  /** Sends the request outside the lock: a reply thread that holds the lock may be the one to complete it. */
  private CompletableFuture<Void> killCursor() {
    RaftPeerId at;
    BsonDocument kill;
    synchronized (this) {
      if (cursorId == 0 || node == null) {
        return CompletableFuture.completedFuture(null);
      }
      at = node;
      kill = new BsonDocument("killCursors", new BsonString(collectionOf(namespace)))
          .append("$db", new BsonString(databaseOf(namespace))).append("cursors", new BsonArray(List.of(new BsonInt64(cursorId))));
    }
    return transport.send(at, kill).handle((reply, failure) -> null);
  }

  /**
   * Reopens the stream after its resume token on each other node in turn, followers before the leader,
   * then on the failed one. A
   * node that is up but has not applied the token's entry yet (it learns of a commit from a leader,
   * and the group may be electing one) makes the round start again after a pause, until the
   * connection's timeout.
   */
  private CompletableFuture<Void> resumeAfterFailure(RaftPeerId failed, Throwable failure) {
    if (closed) {
      return CompletableFuture.completedFuture(null); // nothing to resume
    }
    if (!(failure instanceof SluiceException cause) || !cause.isRetryable()) {
      return fail(failure);
    }
    LOG.debug("change stream on {} failed, resuming after {}: {}", transport.address(failed), resumeToken(), cause.getMessage());
    killCursor(); // a node that was only slow (a timeout) may still hold it; one that is gone fails this at once
    return resumeRound(new Resume(failed, cause, System.nanoTime() + transport.timeout().toNanos()));
  }

  /** Why and since when the stream is resuming: the node that failed, its failure, and when to give up. */
  private record Resume(RaftPeerId failed, SluiceException cause, long deadlineNanos) {}

  private CompletableFuture<Void> resumeRound(Resume resume) {
    return openOnNext(transport.resumeOrder(resume.failed()).iterator(), resume, resume.cause(), false);
  }

  private CompletableFuture<Void> openOnNext(Iterator<RaftPeerId> candidates, Resume resume, SluiceException last, boolean someBehind) {
    if (closed) {
      return CompletableFuture.completedFuture(null);
    }
    if (!candidates.hasNext()) {
      if (someBehind && System.nanoTime() + ROUND_PAUSE_NANOS < resume.deadlineNanos()) {
        return CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(ROUND_PAUSE_NANOS, TimeUnit.NANOSECONDS, Runnable::run))
            .thenCompose(paused -> resumeRound(resume));
      }
      return fail(new ChangeStreamException(last.errorCode(), "the change stream could not resume on any node after: " + resume.cause().reason()
          + "; last error: " + last.reason(), last));
    }
    return openOn(candidates.next()).exceptionallyCompose(e -> {
      if (closed) {
        return CompletableFuture.completedFuture(null); // closed while it resumed (its open may have been skipped): it just ends
      }
      Throwable failure = unwrap(e);
      return failure instanceof SluiceException retry && retry.isRetryable()
          ? openOnNext(candidates, resume, retry, someBehind || retry.errorCode() == ErrorCode.NOT_YET_APPLIED) : fail(failure);
    });
  }

  private CompletableFuture<Void> openOn(RaftPeerId candidate) {
    BsonDocument aggregate;
    synchronized (this) {
      aggregate = options.aggregateCommand(Optional.ofNullable(resumeToken));
    }
    return transport.open(candidate, aggregate, this::isClosed).thenAccept(reply -> accept(candidate, Replies.check(reply).getDocument("cursor"), "firstBatch"));
  }

  private synchronized CompletableFuture<Void> fail(Throwable failure) {
    ended = true;
    cursorId = 0; // the node ended it, or no node has it
    return CompletableFuture.failedFuture(failure instanceof SluiceException e && !(failure instanceof ChangeStreamException)
        ? new ChangeStreamException(e) : failure);
  }

  /** Takes in a batch from {@code from}; if the stream was closed while it came, kills the cursor it names instead. */
  private void accept(RaftPeerId from, BsonDocument cursor, String batchField) {
    if (!acceptOpen(from, cursor, batchField)) {
      killCursor(); // the round trip may have opened a cursor on another node
    }
  }

  /** False if the stream is closed: then only the cursor's place is kept, to kill it. */
  private synchronized boolean acceptOpen(RaftPeerId from, BsonDocument cursor, String batchField) {
    node = from;
    cursorId = cursor.getNumber("id").longValue();
    namespace = cursor.getString("ns").getValue();
    if (closed) {
      return false;
    }
    for (BsonValue event : cursor.getArray(batchField)) {
      buffer.add(event.asDocument());
    }
    batchHighWaterMark = cursor.containsKey("postBatchResumeToken") ? ResumeToken.fromBson(cursor.get("postBatchResumeToken")) : null;
    if (buffer.isEmpty() && batchHighWaterMark != null) {
      resumeToken = batchHighWaterMark;
    }
    if (cursorId == 0 && buffer.isEmpty()) {
      ended = true;
    }
    return true;
  }

  /** The failure a future completed with, without the CompletionException around it. */
  static Throwable unwrap(Throwable failure) {
    return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
  }

  private static String databaseOf(String namespace) {
    return namespace.substring(0, namespace.indexOf('.'));
  }

  private static String collectionOf(String namespace) {
    return namespace.substring(namespace.indexOf('.') + 1);
  }
}
