package io.sluice.node.bench;

import io.sluice.client.ConnectionString;
import io.sluice.protocol.BsonBytes;
import io.sluice.protocol.ClusterNaming;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntFunction;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.client.impl.RaftClientImpl;
import org.apache.ratis.client.impl.UnorderedAsync;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.TimeDuration;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonValue;

/**
 * Many change streams on one node, each a cursor kept in a long-poll {@code getMore} loop, all
 * asynchronous: thousands of open streams without a thread each. Requests go unordered, through Ratis'
 * {@code UnorderedAsync} (public in the client's {@code impl} package, 3.3.0): the ordered async client
 * hands out one client's replies in request order, so a getMore that waits would hold up the replies
 * to every getMore sent after it. Streams are spread over one client per {@value #STREAMS_PER_CLIENT},
 * each with its own connection. Records the arrival time of every event, keyed by the document's
 * integer {@code _id}.
 *
 * <p>This measures the node's fan-out alone, not the Java client's publishers ({@link ClientSubscribers}
 * does): a getMore that fails here is counted, not resumed elsewhere. With no retry policy, a broken
 * gRPC stream is never reset here (StreamTransport does reset it): fine for a bench that restarts no
 * node.
 */
final class AsyncStreams extends FanoutStreams {
  private static final int STREAMS_PER_CLIENT = 2_500;

  private final List<RaftClient> clients = new ArrayList<>();
  private final RaftGroup group;
  private final RaftProperties properties;
  private final RaftPeerId node;
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
    this.properties = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(properties, TimeDuration.valueOf(15, TimeUnit.SECONDS));
    this.group = connection.raftGroup();
    this.node = RaftPeerId.valueOf(ClusterNaming.peerId(nodeAddress));
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
        RaftClient raft = clientFor(opened);
        batch.add(send(raft, aggregate).thenAccept(reply -> {
          long id = reply.getDocument("cursor").getInt64("id").getValue();
          cursors.add(id);
          poll(raft, id);
        }));
      }
      CompletableFuture.allOf(batch.toArray(CompletableFuture[]::new)).join();
    }
  }

  private RaftClient clientFor(int stream) {
    if (stream / STREAMS_PER_CLIENT >= clients.size()) {
      clients.add(RaftClient.newBuilder().setProperties(properties).setRetryPolicy(RetryPolicies.noRetry()).setRaftGroup(group).build());
    }
    return clients.get(stream / STREAMS_PER_CLIENT);
  }

  private void poll(RaftClient raft, long cursorId) {
    if (stopped) {
      return;
    }
    BsonDocument getMore = new BsonDocument("getMore", new BsonInt64(cursorId)).append("collection", new BsonString(collection))
        .append("$db", new BsonString(database)).append("maxTimeMS", new BsonInt32(awaitMs / 2 + ThreadLocalRandom.current().nextInt(awaitMs / 2 + 1)));
    send(raft, getMore).whenComplete((reply, failure) -> {
      if (failure != null || !reply.isDocument("cursor")) {
        failed(failure != null ? failure.toString() : reply.toJson());
        return;
      }
      for (BsonValue event : reply.getDocument("cursor").getArray("nextBatch")) {
        arrived(event.asDocument().getDocument("documentKey").getNumber("_id").longValue());
      }
      poll(raft, cursorId);
    });
  }

  private CompletableFuture<BsonDocument> send(RaftClient raft, BsonDocument command) {
    Message message = Message.valueOf(ByteString.copyFrom(BsonBytes.encode(command)));
    return UnorderedAsync.send(RaftClientRequest.staleReadRequestType(0), message, node, (RaftClientImpl) raft)
        .thenApply(RaftClientReply::getMessage).thenApply(m -> BsonBytes.decode(m.getContent().asReadOnlyByteBuffer()));
  }




  @Override
  public void close() throws Exception {
    stopped = true;
    BsonArray ids = new BsonArray();
    cursors.forEach(id -> ids.add(new BsonInt64(id)));
    if (!clients.isEmpty()) {
      send(clients.get(0), new BsonDocument("killCursors", new BsonString(collection)).append("$db", new BsonString(database))
          .append("cursors", ids)).get(30, TimeUnit.SECONDS);
    }
    for (RaftClient raft : clients) {
      raft.close();
    }
  }
}
