package io.sluice.node.bench;

import io.sluice.client.ConnectionString;
import io.sluice.client.StreamRpc;
import io.sluice.protocol.BsonBytes;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.apache.ratis.thirdparty.io.grpc.ManagedChannel;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonValue;

/**
 * Many change streams on one node, each a cursor kept in a long-poll {@code getMore} loop, all
 * asynchronous: thousands of open streams without a thread each. Commands go through the node's
 * {@link StreamRpc}, as the Java client's do, over one channel (one connection) per
 * {@value #STREAMS_PER_CHANNEL} streams. Records the arrival time of every event, keyed by the
 * document's integer {@code _id}.
 *
 * <p>This measures the node's fan-out alone, not the Java client's publishers ({@link ClientSubscribers}
 * does): a getMore that fails here is counted, not resumed elsewhere.
 */
final class AsyncStreams extends FanoutStreams {
  private static final int STREAMS_PER_CHANNEL = 2_500;

  private final List<ManagedChannel> channels = new ArrayList<>();
  private final String group;
  private final String nodeAddress;
  private final String database;
  private final String collection;
  private final IntFunction<List<BsonDocument>> stages;
  private final int awaitMs;
  private final Queue<Long> cursors = new ConcurrentLinkedQueue<>();
  private volatile boolean stopped;

  /**
   * @param stages  the pipeline stages after {@code $changeStream} of the k-th stream opened
   * @param awaitMs how long each getMore waits for an event at most: a random time between half that and
   *                all of it, so that thousands of streams opened together do not all time out together
   */
  AsyncStreams(ConnectionString connection, String nodeAddress, String database, String collection,
               IntFunction<List<BsonDocument>> stages, int awaitMs) {
    this.group = StreamRpc.groupHeader(connection.raftGroup().getGroupId());
    this.nodeAddress = nodeAddress;
    this.database = database;
    this.collection = collection;
    this.stages = stages;
    this.awaitMs = awaitMs;
  }

  /** Opens {@code count} streams (500 at a time) and starts their getMore loops. */
  @Override
  void open(int count) {
    for (int opened = 0; opened < count; ) {
      List<CompletableFuture<Void>> batch = new ArrayList<>();
      for (int i = 0; i < 500 && opened < count; i++, opened++) {
        BsonArray pipeline = new BsonArray(List.of(new BsonDocument("$changeStream", new BsonDocument())));
        pipeline.addAll(stages.apply(opened));
        BsonDocument aggregate = new BsonDocument("aggregate", new BsonString(collection)).append("$db", new BsonString(database))
            .append("pipeline", pipeline)
            .append("cursor", new BsonDocument("batchSize", new BsonInt32(0)));
        ManagedChannel channel = channelFor(opened);
        batch.add(send(channel, aggregate).thenAccept(reply -> {
          long id = reply.getDocument("cursor").getInt64("id").getValue();
          cursors.add(id);
          poll(channel, id);
        }));
      }
      CompletableFuture.allOf(batch.toArray(CompletableFuture[]::new)).join();
    }
  }

  private ManagedChannel channelFor(int stream) {
    if (stream / STREAMS_PER_CHANNEL >= channels.size()) {
      channels.add(StreamRpc.channel(nodeAddress));
    }
    return channels.get(stream / STREAMS_PER_CHANNEL);
  }

  private void poll(ManagedChannel channel, long cursorId) {
    if (stopped) {
      return;
    }
    BsonDocument getMore = new BsonDocument("getMore", new BsonInt64(cursorId)).append("collection", new BsonString(collection))
        .append("$db", new BsonString(database)).append("maxTimeMS", new BsonInt32(awaitMs / 2 + ThreadLocalRandom.current().nextInt(awaitMs / 2 + 1)));
    send(channel, getMore).whenComplete((reply, failure) -> {
      if (failure != null || !reply.isDocument("cursor")) {
        failed(failure != null ? failure.toString() : reply.toJson());
        return;
      }
      for (BsonValue event : reply.getDocument("cursor").getArray("nextBatch")) {
        arrived(event.asDocument().getDocument("documentKey").getNumber("_id").longValue());
      }
      poll(channel, cursorId);
    });
  }

  private CompletableFuture<BsonDocument> send(ManagedChannel channel, BsonDocument command) {
    return StreamRpc.call(channel, group, BsonBytes.encode(command), StreamRpc.CALL_TIMEOUT_MS).thenApply(BsonBytes::decode);
  }

  @Override
  public void close() throws Exception {
    stopped = true;
    BsonArray ids = new BsonArray();
    cursors.forEach(id -> ids.add(new BsonInt64(id)));
    try {
      if (!channels.isEmpty()) {
        send(channels.get(0), new BsonDocument("killCursors", new BsonString(collection)).append("$db", new BsonString(database))
            .append("cursors", ids)).get(30, TimeUnit.SECONDS);
      }
    } finally {
      channels.forEach(ManagedChannel::shutdownNow);
    }
  }
}
