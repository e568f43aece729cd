package io.sluice.client;

import io.sluice.protocol.Replies;
import io.sluice.protocol.ResumeToken;
import io.sluice.protocol.SluiceException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.function.Function;
import org.apache.ratis.protocol.RaftPeerId;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonValue;

/**
 * An open change stream. {@link #next()} blocks until an event arrives; {@link #tryNext()} waits at
 * most one await period and returns null if none came. {@link #getResumeToken()} is the point to
 * resume after: the last event returned, or the stream's high-water mark once a batch is used up, so
 * it advances even while the filter matches nothing.
 *
 * <p>If the serving node fails, times out or loses the cursor, the stream reopens on another node
 * right after its resume token, trying each node once per failure, as MongoDB drivers do; the user
 * sees no gap, duplicate or reorder. Failures that resuming cannot fix throw
 * {@link ChangeStreamException}. Not thread-safe: one consumer per cursor.
 */
public final class ChangeStreamCursor<T> implements Iterator<T>, AutoCloseable {
  private final StreamTransport transport;
  private final ChangeStreamIterable spec;
  private final Function<BsonDocument, T> decoder;
  private final Deque<BsonDocument> buffer = new ArrayDeque<>();
  private RaftPeerId node;
  private long cursorId;
  private String namespace;
  private ResumeToken resumeToken;
  private ResumeToken batchHighWaterMark;
  private boolean closed;

  ChangeStreamCursor(StreamTransport transport, ChangeStreamIterable spec, RaftPeerId firstNode, Function<BsonDocument, T> decoder) {
    this.transport = transport;
    this.spec = spec;
    this.decoder = decoder;
    this.resumeToken = spec.initialToken().orElse(null);
    try {
      openOn(firstNode);
    } catch (SluiceException e) {
      if (!e.isRetryable()) {
        throw new ChangeStreamException(e);
      }
      resumeAfterFailure(firstNode, e);
    }
  }

  /** Blocks until the next event. After an invalidate event the stream is closed and this throws. */
  @Override
  public T next() {
    while (buffer.isEmpty()) {
      if (closed) {
        throw new NoSuchElementException("the change stream is closed");
      }
      fetch();
    }
    return deliver(buffer.poll());
  }

  /** Blocks until an event is available; false once the stream is closed (after an invalidate). */
  @Override
  public boolean hasNext() {
    while (buffer.isEmpty() && !closed) {
      fetch();
    }
    return !buffer.isEmpty();
  }

  /** The next event if one arrives within one await period, else null. */
  public T tryNext() {
    if (buffer.isEmpty() && !closed) {
      fetch();
    }
    return buffer.isEmpty() ? null : deliver(buffer.poll());
  }

  /** Where to resume after what this cursor returned so far; null before the first reply. */
  public ResumeToken getResumeToken() {
    return resumeToken;
  }

  /** The address of the node serving the stream now. */
  public String servingNode() {
    return transport.address(node);
  }

  public boolean isClosed() {
    return closed && buffer.isEmpty();
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      buffer.clear();
      if (cursorId != 0) {
        try {
          transport.send(node, new BsonDocument("killCursors", new BsonString(collectionOf(namespace)))
              .append("$db", new BsonString(databaseOf(namespace))).append("cursors", new BsonArray(List.of(new BsonInt64(cursorId)))));
        } catch (SluiceException ignored) {
          // The node is gone or the cursor already timed out: nothing left to close.
        }
      }
    }
  }

  private T deliver(BsonDocument event) {
    resumeToken = ResumeToken.fromBson(event.get("_id"));
    if (buffer.isEmpty() && batchHighWaterMark != null && batchHighWaterMark.compareTo(resumeToken) > 0) {
      resumeToken = batchHighWaterMark;
    }
    if ("invalidate".equals(event.getString("operationType", new BsonString("")).getValue())) {
      closed = true;
    }
    return decoder.apply(event);
  }

  private void fetch() {
    BsonDocument getMore = new BsonDocument("getMore", new BsonInt64(cursorId))
        .append("collection", new BsonString(collectionOf(namespace))).append("$db", new BsonString(databaseOf(namespace)))
        .append("batchSize", new BsonInt64(spec.batchSize())).append("maxTimeMS", new BsonInt64(spec.maxAwaitMillis()));
    try {
      accept(Replies.check(transport.send(node, getMore)).getDocument("cursor"), "nextBatch");
    } catch (SluiceException e) {
      if (!e.isRetryable()) {
        closed = true;
        throw new ChangeStreamException(e);
      }
      resumeAfterFailure(node, e);
    }
  }

  /** Reopens the stream after its resume token on each other node in turn, then on the failed one. */
  private void resumeAfterFailure(RaftPeerId failed, SluiceException cause) {
    List<RaftPeerId> order = new ArrayList<>(transport.nodes());
    int at = order.indexOf(failed);
    java.util.Collections.rotate(order, -(at + 1));
    SluiceException last = cause;
    for (RaftPeerId candidate : order) {
      try {
        openOn(candidate);
        return;
      } catch (SluiceException e) {
        if (!e.isRetryable()) {
          closed = true;
          throw new ChangeStreamException(e);
        }
        last = e;
      }
    }
    closed = true;
    throw new ChangeStreamException(last.errorCode(), "the change stream could not resume on any node after: " + cause.reason()
        + "; last error: " + last.reason(), last);
  }

  private void openOn(RaftPeerId candidate) {
    BsonDocument reply = Replies.check(transport.send(candidate, spec.aggregateCommand(Optional.ofNullable(resumeToken))));
    node = candidate;
    buffer.clear();
    accept(reply.getDocument("cursor"), "firstBatch");
  }

  private void accept(BsonDocument cursor, String batchField) {
    cursorId = cursor.getNumber("id").longValue();
    namespace = cursor.getString("ns").getValue();
    for (BsonValue event : cursor.getArray(batchField)) {
      buffer.add(event.asDocument());
    }
    batchHighWaterMark = cursor.containsKey("postBatchResumeToken") ? ResumeToken.fromBson(cursor.get("postBatchResumeToken")) : null;
    if (buffer.isEmpty() && batchHighWaterMark != null) {
      resumeToken = batchHighWaterMark;
    }
    if (cursorId == 0 && buffer.isEmpty()) {
      closed = true;
    }
  }

  private static String databaseOf(String namespace) {
    return namespace.substring(0, namespace.indexOf('.'));
  }

  private static String collectionOf(String namespace) {
    return namespace.substring(namespace.indexOf('.') + 1);
  }
}
