package io.sluice.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.protocol.ClusterNaming;
import io.sluice.protocol.Replies;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
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
import org.apache.ratis.util.TimeDuration;
import org.bson.BsonArray;
import org.bson.BsonBinaryReader;
import org.bson.BsonBoolean;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.codecs.DecoderContext;

/**
 * A raw Ratis client of a cluster's nodes, below the Sluice client: it sends writes as the Raft
 * calls it is told (client id fixed, call id chosen), so tests can resend one call or one session
 * write exactly as a retrying client would, to the node they choose.
 */
final class RawCaller implements AutoCloseable {
  private final ClientId clientId = ClientId.randomId();
  private final RaftGroupId groupId = RaftGroupId.valueOf(ClusterNaming.groupId(ClusterNaming.DEFAULT_CLUSTER_NAME));
  private final Callable<String> leaderAddress;
  private final RaftClient raft;

  /** @param leaderAddress finds the address of the node that leads now */
  RawCaller(List<String> addresses, Callable<String> leaderAddress) {
    this.leaderAddress = leaderAddress;
    List<RaftPeer> peers = addresses.stream().map(a -> RaftPeer.newBuilder().setId(ClusterNaming.peerId(a)).setAddress(a).build()).toList();
    RaftProperties properties = new RaftProperties();
    // Ratis' default of 3 s, with no retry here, is short for a slow machine: a write fails the test only if it is refused.
    RaftClientConfigKeys.Rpc.setRequestTimeout(properties, TimeDuration.valueOf(60, TimeUnit.SECONDS));
    this.raft = RaftClient.newBuilder().setClientId(clientId).setRaftGroup(RaftGroup.valueOf(groupId, peers))
        .setProperties(properties).build();
  }

  /** A caller of the first three nodes of an in-JVM cluster. */
  static RawCaller of(LocalCluster cluster) {
    return new RawCaller(IntStream.range(0, 3).mapToObj(cluster::address).toList(), () -> cluster.address(cluster.awaitLeader()));
  }

  /** An upsert that raises {@code n} of document 1 in {@code db.c}. */
  static BsonDocument increment() {
    return new BsonDocument("update", new BsonString("c")).append("$db", new BsonString("db"))
        .append("updates", new BsonArray(List.of(new BsonDocument("q", new BsonDocument("_id", new BsonInt32(1)))
            .append("u", new BsonDocument("$inc", new BsonDocument("n", new BsonInt32(1))))
            .append("upsert", BsonBoolean.TRUE))));
  }

  /** Sends {@link #increment} as call 42 to the node at {@code address}; fails on an error reply. */
  BsonDocument sendIncrementTo(String address) throws IOException {
    return Replies.check(sendTo(address, increment(), 42));
  }

  /** Sends the write to the leader as the given Raft call; fails on an error reply. */
  BsonDocument send(BsonDocument write, long callId) throws Exception {
    return Replies.check(sendRaw(write, callId));
  }

  /** Sends the write to the leader as the given Raft call; returns its reply, error or not. */
  BsonDocument sendRaw(BsonDocument write, long callId) throws Exception {
    return sendTo(leaderAddress.call(), write, callId);
  }

  private BsonDocument sendTo(String address, BsonDocument write, long callId) throws IOException {
    RaftClientRequest request = RaftClientRequest.newBuilder().setClientId(clientId)
        .setServerId(RaftPeerId.valueOf(ClusterNaming.peerId(address))).setGroupId(groupId).setCallId(callId)
        .setMessage(message(write)).setType(RaftClientRequest.writeRequestType()).build();
    return decode(raft.getClientRpc().sendRequest(request));
  }

  /** The counter the increments raise, read linearizably. */
  int counter() throws IOException {
    BsonDocument read = new BsonDocument("find", new BsonString("c")).append("$db", new BsonString("db"));
    BsonDocument reply = Replies.check(decode(raft.io().sendReadOnly(message(read))));
    return reply.getDocument("cursor").getArray("firstBatch").get(0).asDocument().getInt32("n").getValue();
  }

  private static Message message(BsonDocument command) {
    return Message.valueOf(ByteString.copyFrom(new RawBsonDocument(command, new BsonDocumentCodec()).getByteBuffer().asNIO()));
  }

  private static BsonDocument decode(RaftClientReply reply) {
    assertThat(reply.isSuccess()).as("reply %s", reply).isTrue();
    try (BsonBinaryReader reader = new BsonBinaryReader(ByteBuffer.wrap(reply.getMessage().getContent().toByteArray()))) {
      return new BsonDocumentCodec().decode(reader, DecoderContext.builder().build());
    }
  }

  @Override
  public void close() throws IOException {
    raft.close();
  }
}
