package io.sluice.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceCollection;
import io.sluice.protocol.ClusterNaming;
import io.sluice.protocol.Replies;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonBinaryReader;
import org.bson.BsonBoolean;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.bson.UuidRepresentation;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.codecs.DecoderContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that resends a write after losing its leader (same Ratis client id and call id, as
 * Ratis' client does on retry) gets the first reply from the new leader's retry cache, and the write
 * is applied once; a write with session fields is applied once wherever and whenever it is resent,
 * within the session table's lifetime.
 */
class RetriedWriteTest {
  @TempDir
  Path dir;

  @Test
  void theSameCallSentToTheOldAndTheNewLeaderIsAppliedOnce() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(dir, 3); RawCaller caller = RawCaller.of(cluster)) {
      int oldLeader = cluster.awaitLeader();
      BsonDocument firstReply = caller.sendIncrementTo(cluster.address(oldLeader));
      cluster.awaitIdenticalState();
      cluster.stop(oldLeader);
      BsonDocument retryReply = caller.sendIncrementTo(cluster.address(cluster.awaitLeader()));

      assertThat(retryReply.getDocument("opTime")).isEqualTo(firstReply.getDocument("opTime"));
      assertThat(caller.counter()).as("applied once").isEqualTo(1);
      cluster.awaitIdenticalState();
    }
  }

  /**
   * After every node restarted, no retry cache remembers the call; the replicated session table does,
   * so the resent write (same session fields) still gets the first reply and is not applied again.
   */
  @Test
  void theSameSessionWriteResentAfterTheWholeClusterRestartedIsAppliedOnce() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(dir, 3); RawCaller caller = RawCaller.of(cluster)) {
      BsonDocument session = new BsonDocument("id", new BsonBinary(UUID.randomUUID(), UuidRepresentation.STANDARD));
      BsonDocument firstReply = caller.send(RawCaller.increment().append("lsid", session).append("txnNumber", new BsonInt64(3)), 42);
      cluster.awaitIdenticalState();
      for (int i = 0; i < 3; i++) {
        cluster.stop(i);
      }
      for (int i = 0; i < 3; i++) {
        cluster.start(i);
      }
      BsonDocument retryReply = caller.send(RawCaller.increment().append("lsid", session).append("txnNumber", new BsonInt64(3)), 43);

      assertThat(retryReply).isEqualTo(firstReply);
      cluster.awaitIdenticalState();
      assertThat(caller.counter()).as("applied once").isEqualTo(1);
      assertThat(cluster.node(0).status().sessions()).isEqualTo(1);
    }
  }

  /**
   * A node keeps one entry per session and refuses a write numbered below its session's latest, so
   * one client's concurrent writes must each take a session of their own: every one is applied, once.
   */
  @Test
  void concurrentWritesFromOneClientAreEachApplied() throws Exception {
    int threads = 8;
    int writesEach = 25;
    try (LocalCluster cluster = LocalCluster.start(dir, 3); SluiceClient client = cluster.client()) {
      SluiceCollection c = client.getDatabase("db").getCollection("c");
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          int thread = t;
          done.add(pool.submit(() -> {
            for (int i = 0; i < writesEach; i++) {
              c.insertOne(new Document("_id", thread * 1_000 + i));
            }
          }));
        }
        for (Future<?> f : done) {
          f.get();
        }
      } finally {
        pool.shutdownNow();
      }

      assertThat(c.countDocuments()).isEqualTo((long) threads * writesEach);
      assertThat(cluster.node(cluster.awaitLeader()).status().sessions()).as("at most one session per thread").isBetween(1L, (long) threads);
    }
  }

  /**
   * A driver resends a write the leader refused while stepping down as a new Raft call, with the same
   * session fields: the session table knows it by those, so it is applied once wherever it lands.
   */
  @Test
  void theSameSessionWriteSentAsTwoRaftCallsIsAppliedOnce() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(dir, 3); RawCaller caller = RawCaller.of(cluster)) {
      BsonDocument session = new BsonDocument("id", new BsonBinary(UUID.randomUUID(), UuidRepresentation.STANDARD));
      BsonDocument first = caller.send(RawCaller.increment().append("lsid", session).append("txnNumber", new BsonInt64(7)), 43);
      BsonDocument again = caller.send(RawCaller.increment().append("lsid", session).append("txnNumber", new BsonInt64(7)), 44);
      BsonDocument next = caller.send(RawCaller.increment().append("lsid", session).append("txnNumber", new BsonInt64(8)), 45);

      assertThat(again).isEqualTo(first);
      assertThat(next.getDocument("opTime")).isNotEqualTo(first.getDocument("opTime"));
      assertThat(caller.counter()).as("applied once per txnNumber").isEqualTo(2);
    }
  }

  @Test
  void malformedSessionFieldsAreRefusedAndNothingIsApplied() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(dir, 3); RawCaller caller = RawCaller.of(cluster)) {
      BsonDocument session = new BsonDocument("id", new BsonBinary(UUID.randomUUID(), UuidRepresentation.STANDARD));
      assertRefused(caller.sendRaw(RawCaller.increment().append("lsid", new BsonString("me")).append("txnNumber", new BsonInt64(1)), 50),
          "BadValue", "lsid must be {id: <UUID>}");
      assertRefused(caller.sendRaw(RawCaller.increment().append("lsid", session).append("txnNumber", new BsonString("1")), 51),
          "TypeMismatch", "txnNumber must be a 64-bit integer");
      assertRefused(caller.sendRaw(RawCaller.increment().append("lsid", session), 52), "BadValue", "needs both lsid and txnNumber");
      assertRefused(caller.sendRaw(RawCaller.increment().append("lsid", session).append("txnNumber", new BsonInt64(-1)), 53),
          "BadValue", "must not be negative");

      caller.send(RawCaller.increment(), 54);
      assertThat(caller.counter()).as("only the well-formed write applied").isEqualTo(1);
      cluster.awaitIdenticalState();
    }
  }

  private static void assertRefused(BsonDocument reply, String codeName, String message) {
    assertThat(reply.getString("codeName").getValue()).as("reply %s", reply).isEqualTo(codeName);
    assertThat(reply.getString("errmsg").getValue()).contains(message);
  }
}
