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
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
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
 * asynchronous: thousands of open streams without a thread each. Ratis' async client keeps the
 * replies of one client in request order, so streams are spread over one client per
 * {@value #STREAMS_PER_CLIENT} to keep one slow reply from holding up the rest. Records the arrival
 * time of every event, keyed by the document's integer {@code _id}.
 */
final class AsyncStreams implements AutoCloseable {
  private static final int STREAMS_PER_CLIENT = 250;

  private final List<RaftClient> clients = new ArrayList<>();
  private final RaftGroup group;
  private final RaftProperties properties;
  private final RaftPeerId node;
  private final String database;
  private final String collection;
  private final Queue<long[]> arrivals = new ConcurrentLinkedQueue<>();
  private final Queue<Long> cursors = new ConcurrentLinkedQueue<>();
  private final AtomicLong failures = new AtomicLong();
  private volatile boolean stopped;

  AsyncStreams(ConnectionString connection, String nodeAddress, String database, String collection) {
    this.properties = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(properties, TimeDuration.valueOf(15, TimeUnit.SECONDS));
    RaftClientConfigKeys.Async.setOutstandingRequestsMax(properties, 2 * STREAMS_PER_CLIENT);
    this.group = connection.raftGroup();
    this.node = RaftPeerId.valueOf(ClusterNaming.peerId(nodeAddress));
    this.database = database;
    this.collection = collection;
  }

  /** Opens {@code count} streams (500 at a time) and starts their getMore loops. */
  void open(int count) {
    for (int opened = 0; opened < count; ) {
      List<CompletableFuture<Void>> batch = new ArrayList<>();
      for (int i = 0; i < 500 && opened < count; i++, opened++) {
        BsonDocument aggregate = new BsonDocument("aggregate", new BsonString(collection)).append("$db", new BsonString(database))
            .append("pipeline", new BsonArray(List.of(new BsonDocument("$changeStream", new BsonDocument()))))
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
        .append("$db", new BsonString(database)).append("maxTimeMS", new BsonInt32(1000));
    send(raft, getMore).whenComplete((reply, failure) -> {
      if (failure != null || !reply.isDocument("cursor")) {
        failures.incrementAndGet();
        return;
      }
      long now = System.nanoTime();
      for (BsonValue event : reply.getDocument("cursor").getArray("nextBatch")) {
        arrivals.add(new long[] {event.asDocument().getDocument("documentKey").getNumber("_id").longValue(), now});
      }
      poll(raft, cursorId);
    });
  }

  private CompletableFuture<BsonDocument> send(RaftClient raft, BsonDocument command) {
    return raft.async().sendStaleRead(Message.valueOf(ByteString.copyFrom(BsonBytes.encode(command))), 0, node)
        .thenApply(RaftClientReply::getMessage).thenApply(m -> BsonBytes.decode(m.getContent().asReadOnlyByteBuffer()));
  }

  /** Every event seen so far: {_id, arrival nanoTime}. */
  Queue<long[]> arrivals() {
    return arrivals;
  }

  long failures() {
    return failures.get();
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
