package io.sluice.client;

import com.mongodb.client.model.changestream.FullDocument;
import com.mongodb.client.model.changestream.FullDocumentBeforeChange;
import io.sluice.protocol.ResumeToken;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.RaftPeerId;
import org.bson.BsonArray;
import org.bson.BsonTimestamp;
import org.bson.conversions.Bson;

/**
 * A change stream being configured, with the options of MongoDB's {@code watch()}: the pipeline, the
 * {@code fullDocument} and {@code fullDocumentBeforeChange} modes, where to start
 * ({@link #resumeAfter}, {@link #startAfter}, {@link #startAtOperationTime}; default: now), the batch
 * size and the longest wait per round trip. {@link #cursor()} opens it; {@link #publisher()} offers it
 * to reactive consumers. By default a follower serves the stream; {@link #onNode} picks one.
 */
public final class ChangeStreamIterable {
  private final SluiceClient.Streams streams;
  private final String database;
  private final String collection;
  private final BsonArray pipeline = new BsonArray();
  private FullDocument fullDocument = FullDocument.DEFAULT;
  private FullDocumentBeforeChange fullDocumentBeforeChange = FullDocumentBeforeChange.DEFAULT;
  private ResumeToken resumeAfter;
  private ResumeToken startAfter;
  private BsonTimestamp startAtOperationTime;
  private int batchSize = 101;
  private long maxAwaitMillis = 1000;
  private String node;

  /** @param database null for the whole cluster; @param collection null for a whole database */
  ChangeStreamIterable(SluiceClient.Streams streams, String database, String collection, List<? extends Bson> stages) {
    this.streams = streams;
    this.database = database;
    this.collection = collection;
    stages.forEach(stage -> pipeline.add(Documents.toBson(stage)));
  }

  public ChangeStreamIterable fullDocument(FullDocument mode) {
    this.fullDocument = Objects.requireNonNull(mode, "fullDocument");
    return this;
  }

  public ChangeStreamIterable fullDocumentBeforeChange(FullDocumentBeforeChange mode) {
    this.fullDocumentBeforeChange = Objects.requireNonNull(mode, "fullDocumentBeforeChange");
    return this;
  }

  /** Resume right after the event (or high-water mark) this token names; not after an invalidate. */
  public ChangeStreamIterable resumeAfter(ResumeToken token) {
    this.resumeAfter = token;
    return this;
  }

  /** Like {@link #resumeAfter}, and also accepts an invalidate event's token: a new stream after it. */
  public ChangeStreamIterable startAfter(ResumeToken token) {
    this.startAfter = token;
    return this;
  }

  /** Start with the first entry whose cluster time is at or after {@code time}. */
  public ChangeStreamIterable startAtOperationTime(BsonTimestamp time) {
    this.startAtOperationTime = time;
    return this;
  }

  public ChangeStreamIterable batchSize(int size) {
    if (size < 0) {
      throw new IllegalArgumentException("batchSize must not be negative, got " + size);
    }
    this.batchSize = size;
    return this;
  }

  /**
   * How long one round trip waits for an event before it returns with none (at most 10 s; default 1 s,
   * as in MongoDB's drivers). An idle stream costs its node one round trip per wait, some 270 µs of CPU
   * on a 2-core machine (README, fan-out): with thousands of streams, wait several seconds.
   */
  public ChangeStreamIterable maxAwaitTime(long time, TimeUnit unit) {
    long millis = unit.toMillis(time);
    if (millis < 0 || millis > 10_000) {
      throw new IllegalArgumentException("maxAwaitTime must be between 0 and 10 s, got " + millis + " ms");
    }
    this.maxAwaitMillis = millis;
    return this;
  }

  /** Serve the stream from the node at this address (host:port of the connection string) first. */
  public ChangeStreamIterable onNode(String address) {
    this.node = address;
    return this;
  }

  /** Opens the stream, waiting for the serving node's answer. */
  public ChangeStreamCursor<ChangeStreamDocument> cursor() {
    WatchOptions options = options();
    CompletableFuture<RaftPeerId> firstNode = streams.firstNode(options.node()); // before the stream exists: it may throw
    ResumableStream stream = streams.newStream(options);
    return new ChangeStreamCursor<>(stream, firstNode.thenCompose(stream::open), ChangeStreamDocument::new);
  }

  /**
   * The stream as a {@link Flow.Publisher}: each subscriber gets its own stream, opened after
   * {@code onSubscribe}. A getMore goes out only while the subscriber has unmet demand, and no thread
   * waits for it, so thousands of subscribers need no thread each. Signals come one at a time from the
   * client's delivery threads (idle ones end after a minute), so {@code onNext} should hand slow work
   * elsewhere. Failures that resuming cannot fix end the stream with onError (a
   * {@link ChangeStreamException}; an unknown {@link #onNode} address, an IllegalArgumentException),
   * an invalidate with onComplete. Cancelling closes the stream.
   */
  public Flow.Publisher<ChangeStreamDocument> publisher() {
    WatchOptions settings = options();
    return subscriber -> {
      Objects.requireNonNull(subscriber, "subscriber");
      WatchOptions options = settings.openedAfter(streams.lastSeen()); // each subscription is a stream opened now
      ResumableStream stream;
      CompletableFuture<RaftPeerId> firstNode;
      Executor delivery;
      try {
        firstNode = streams.firstNode(options.node());
        delivery = streams.delivery();
        stream = streams.newStream(options);
      } catch (RuntimeException e) { // an unknown node, a closed client: Reactive Streams rule 1.9 wants onSubscribe first
        subscriber.onSubscribe(new Flow.Subscription() {
          @Override
          public void request(long n) {
          }

          @Override
          public void cancel() {
          }
        });
        subscriber.onError(e);
        return;
      }
      ChangeStreamSubscription.start(subscriber, stream, firstNode, delivery);
    };
  }

  /** The settings as they are now: an open stream reopens with them, whatever is changed here later. */
  private WatchOptions options() {
    return new WatchOptions(database, collection, pipeline, fullDocument, fullDocumentBeforeChange, resumeAfter, startAfter,
        startAtOperationTime, batchSize, maxAwaitMillis, node, streams.lastSeen());
  }
}
