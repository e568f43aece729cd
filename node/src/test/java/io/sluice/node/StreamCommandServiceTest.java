package io.sluice.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.sluice.client.StreamRpc;
import io.sluice.protocol.BsonBytes;
import io.sluice.protocol.ClusterNaming;
import io.sluice.protocol.ErrorCode;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.stream.IntStream;
import org.apache.ratis.thirdparty.io.grpc.ManagedChannel;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's change-stream RPC, called directly: its own cluster's commands only, bad bytes answered,
 * not while it cannot serve, and calls that wait for the store queue for the service's few threads.
 */
class StreamCommandServiceTest {
  private static final long TIMEOUT_MS = 30_000;
  private static final int ABANDONED = 10;

  @TempDir
  Path dir;

  @Test
  void aFollowerAnswersItsOwnClustersCommandsAndRefusesAnotherClusters() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(dir, 3)) {
      try (Connection follower = Connection.to(cluster, cluster.aFollower())) {
        BsonDocument opened = follower.call(BsonBytes.encode(openStream()));
        assertThat(opened.getDocument("cursor").getInt64("id").getValue()).as(opened.toJson()).isNotZero();

        Throwable refused = catchThrowableOfType(() -> follower.call(UUID.randomUUID().toString(), BsonBytes.encode(openStream())),
            ExecutionException.class).getCause();
        assertThat(Status.fromThrowable(refused).getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(refused).hasMessageContaining("this node serves Raft group " + follower.group());

        BsonDocument notBson = follower.call(new byte[] {1, 2, 3});
        assertThat(notBson.getInt32("code").getValue()).as(notBson.toJson()).isEqualTo(ErrorCode.INVALID_BSON.code());
        // And the node still serves.
        assertThat(follower.call(BsonBytes.encode(openStream())).getDocument("cursor").getInt64("id").getValue()).isNotZero();
      }
    }
  }

  @Test
  void aVoterWaitingToBeAddedRefusesAsUnavailable() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(dir, 3)) {
      try (Connection joiner = Connection.to(cluster, cluster.startJoiner(SluiceNode.Entry.JOIN_AS_VOTER))) {
        Throwable refused = catchThrowableOfType(() -> joiner.call(BsonBytes.encode(openStream())), ExecutionException.class).getCause();
        assertThat(Status.fromThrowable(refused).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(refused).hasMessageContaining("its Raft server is not running");
      }
    }
  }

  @Test
  void callsWaitingForTheStoreQueueForTheServicesThreadsAndThoseGivenUpAreDropped() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(dir, 3)) {
      int follower = cluster.aFollower();
      int calls = StreamCommandService.THREADS + 20;
      // An open from an operation time reads the store's history under its read lock; a snapshot install holds the write lock.
      byte[] openFromATime = BsonBytes.encode(openStream(new BsonDocument("startAtOperationTime", new BsonTimestamp(1, 0))));
      Lock installing = cluster.node(follower).stateMachine().store().writeLock();
      try (Connection connection = Connection.to(cluster, follower)) {
        List<CompletableFuture<byte[]>> replies;
        installing.lock();
        try {
          replies = IntStream.range(0, calls).mapToObj(i -> connection.send(openFromATime, TIMEOUT_MS)).toList();
          // Every thread waits for the lock, and the other calls wait for a thread (gRPC's default executor would start one each).
          await().atMost(30, TimeUnit.SECONDS)
              .until(() -> cluster.node(follower).streamCallsWaiting() == calls - StreamCommandService.THREADS);
          assertThat(replies).noneMatch(CompletableFuture::isDone);
          // Calls whose clients give up while they queue are dropped when their turn comes (gRPC runs no
          // handler for a cancelled call): they open no cursor.
          List<CompletableFuture<byte[]>> abandoned = IntStream.range(0, ABANDONED)
              .mapToObj(i -> connection.send(openFromATime, 500)).toList();
          await().atMost(30, TimeUnit.SECONDS).until(() -> abandoned.stream().allMatch(CompletableFuture::isCompletedExceptionally));
          assertThat(cluster.node(follower).streamCallsWaiting()).isEqualTo(calls - StreamCommandService.THREADS + ABANDONED);
        } finally {
          installing.unlock();
        }
        for (CompletableFuture<byte[]> reply : replies) {
          BsonDocument opened = BsonBytes.decode(reply.get(TIMEOUT_MS, TimeUnit.MILLISECONDS));
          assertThat(opened.getDocument("cursor").getInt64("id").getValue()).as(opened.toJson()).isNotZero();
        }
        // A call's last step (gRPC's notice that it closed) also queues: it may follow the reply.
        await().atMost(30, TimeUnit.SECONDS).until(() -> cluster.node(follower).streamCallsWaiting() == 0);
        assertThat(cluster.node(follower).stateMachine().streams().openCursors()).isEqualTo(calls);
      }
    }
  }

  private static BsonDocument openStream() {
    return openStream(new BsonDocument());
  }

  private static BsonDocument openStream(BsonDocument options) {
    return new BsonDocument("aggregate", new BsonString("c")).append("$db", new BsonString("db"))
        .append("pipeline", new BsonArray(List.of(new BsonDocument("$changeStream", options))))
        .append("cursor", new BsonDocument("batchSize", new BsonInt32(0)));
  }

  /** A channel to one node's change-stream RPC, sending as a client of that node's cluster. */
  private record Connection(ManagedChannel channel, String group) implements AutoCloseable {
    static Connection to(LocalCluster cluster, int node) {
      return new Connection(StreamRpc.channel(cluster.address(node)), ClusterNaming.groupId(cluster.config(node).cluster()).toString());
    }

    CompletableFuture<byte[]> send(byte[] command, long timeoutMs) {
      return StreamRpc.call(channel, group, command, timeoutMs);
    }

    BsonDocument call(byte[] command) throws Exception {
      return call(group, command);
    }

    /** As a client of the cluster whose Raft group is {@code asGroup}. */
    BsonDocument call(String asGroup, byte[] command) throws Exception {
      return BsonBytes.decode(StreamRpc.call(channel, asGroup, command, TIMEOUT_MS).get(TIMEOUT_MS, TimeUnit.MILLISECONDS));
    }

    @Override
    public void close() {
      channel.shutdownNow();
    }
  }
}
