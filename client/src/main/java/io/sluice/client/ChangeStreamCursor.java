package io.sluice.client;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.ResumeToken;
import io.sluice.protocol.SluiceException;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import org.bson.BsonDocument;

/**
 * An open change stream. {@link #next()} blocks until an event arrives; {@link #tryNext()} waits at
 * most one await period and returns null if none came. {@link #getResumeToken()} is the point to
 * resume after: the last event returned, or the stream's high-water mark once a batch is used up, so
 * it advances even while the filter matches nothing.
 *
 * <p>If the serving node fails, times out or loses the cursor, the stream reopens on another node
 * right after its resume token, trying each node once per failure, as MongoDB drivers do (and again,
 * until the connection's timeout, while a node that is up has not caught up with the token); the
 * user sees no gap, duplicate or reorder. Failures that resuming cannot fix throw
 * {@link ChangeStreamException}. A thread interrupted while it waits gets a {@link SluiceException}
 * {@code Interrupted} (11601) and leaves the stream as it was. Not thread-safe: one consumer per
 * cursor; {@link #close()} may come from another thread, and ends a {@code next()} that waits.
 */
public final class ChangeStreamCursor<T> implements Iterator<T>, AutoCloseable {
  private final ResumableStream stream;
  private final Function<BsonDocument, T> decoder;
  /** The round trip under way; kept if the waiting thread is interrupted, so the next call waits for it. */
  private CompletableFuture<Void> roundTrip;

  /** Opens {@code stream} on its first node, waiting for the answer. */
  ChangeStreamCursor(ResumableStream stream, CompletableFuture<Void> opening, Function<BsonDocument, T> decoder) {
    this.stream = stream;
    this.decoder = decoder;
    this.roundTrip = opening;
    try {
      awaitRoundTrip();
    } catch (RuntimeException e) {
      stream.close(); // failed, or interrupted while it opened: a cursor it opens is killed
      throw e;
    }
  }

  /** Blocks until the next event. After an invalidate event the stream is closed and this throws. */
  @Override
  public T next() {
    BsonDocument event = hasNext() ? stream.poll() : null;
    if (event == null) {
      throw new NoSuchElementException("the change stream is closed");
    }
    return decoder.apply(event);
  }

  /** Blocks until an event is available; false once the stream is closed (after an invalidate). */
  @Override
  public boolean hasNext() {
    while (!stream.hasBuffered() && !stream.isEnded()) {
      fetch();
    }
    return stream.hasBuffered();
  }

  /** The next event if one arrives within one await period, else null. */
  public T tryNext() {
    if (!stream.hasBuffered() && !stream.isEnded()) {
      fetch();
    }
    BsonDocument event = stream.poll();
    return event == null ? null : decoder.apply(event);
  }

  /** Where to resume after what this cursor returned so far; null before the first reply. */
  public ResumeToken getResumeToken() {
    return stream.resumeToken();
  }

  /** The address of the node serving the stream now. */
  public String servingNode() {
    return stream.servingNode();
  }

  public boolean isClosed() {
    return stream.isEnded() && !stream.hasBuffered();
  }

  @Override
  public void close() {
    stream.close().join();
  }

  private void fetch() {
    if (roundTrip == null) {
      roundTrip = stream.fetch();
    }
    awaitRoundTrip();
  }

  /** Waits for the round trip under way; its failure is thrown as it is. */
  private void awaitRoundTrip() {
    try {
      roundTrip.get();
      roundTrip = null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SluiceException(ErrorCode.INTERRUPTED, "interrupted while waiting for the change stream; the next call goes on waiting", e);
    } catch (ExecutionException e) {
      roundTrip = null;
      throw e.getCause() instanceof RuntimeException failure ? failure : new IllegalStateException(e.getCause());
    }
  }
}
