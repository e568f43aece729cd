package io.sluice.client;

import io.sluice.protocol.BsonBytes;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.Limits;
import io.sluice.protocol.Position;
import io.sluice.protocol.Replies;
import io.sluice.protocol.SluiceException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.client.retry.RequestTypeDependentRetryPolicy;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.proto.RaftProtos.RaftClientRequestProto.TypeCase;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.RaftRetryFailureException;
import org.apache.ratis.protocol.exceptions.StaleReadException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.bson.BsonDocument;

/**
 * Sends command documents to the cluster through one Ratis client and turns replies and failures into
 * documents and {@link SluiceException}s.
 *
 * <p>Each Ratis call is bounded by the connection's timeout, Ratis' own retries included; those retries
 * keep the call's client id and call id, so a node that already applied the write answers from its
 * retry cache (kept longer than this timeout) instead of applying it again. A write that a leader
 * handing over leadership refused is sent again as a new Ratis call; its session fields ({@code lsid},
 * {@code txnNumber}) name it as the same write, so it is still applied at most once. Such a resend
 * starts only before the timeout has passed, but gets a whole timeout of its own: a write that is
 * refused that way can take up to about twice the timeout before it fails.
 */
final class RaftTransport implements AutoCloseable {
  private static final TimeDuration RETRY_SLEEP = TimeDuration.valueOf(100, TimeUnit.MILLISECONDS);

  private final RaftClient raft;
  private final List<RaftPeer> peers;
  private final ConnectionString connection;
  /** The highest position of any reply this client has seen: the floor of its follower reads. */
  private final AtomicReference<Position> lastSeen = new AtomicReference<>(Position.ZERO);
  /** Sessions for writes: a session and a write's number name the write however often it is sent. */
  private final SessionPool sessions = new SessionPool();
  /** The node whose reply completed the last successful call. */
  private final AtomicReference<RaftPeerId> lastAnsweredBy = new AtomicReference<>();
  /** The node that answered this client's last write or linearizable read: the leader then. */
  private final AtomicReference<RaftPeerId> lastLeader = new AtomicReference<>();
  /** Set by {@link #close}: an AlreadyClosedException then means this client, not a node. */
  private volatile boolean closed;

  RaftTransport(ConnectionString connection) {
    this.connection = connection;
    RaftGroup group = connection.raftGroup();
    this.peers = List.copyOf(group.getPeers());
    TimeDuration deadline = TimeDuration.valueOf(connection.timeout().toMillis(), TimeUnit.MILLISECONDS);
    RequestTypeDependentRetryPolicy.Builder retry = RequestTypeDependentRetryPolicy.newBuilder();
    for (TypeCase type : List.of(TypeCase.WRITE, TypeCase.READ)) {
      retry.setRetryPolicy(type, RetryPolicies.retryForeverWithSleep(RETRY_SLEEP)).setTimeout(type, deadline);
    }
    // A follower read goes to one chosen node: give up on it sooner, so that another node can answer.
    retry.setRetryPolicy(TypeCase.STALEREAD, RetryPolicies.retryForeverWithSleep(RETRY_SLEEP))
        .setTimeout(TypeCase.STALEREAD, TimeDuration.valueOf(Math.min(deadline.toLong(TimeUnit.MILLISECONDS), 3000),
            TimeUnit.MILLISECONDS));
    RaftProperties properties = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(properties, TimeDuration.valueOf(3, TimeUnit.SECONDS));
    GrpcConfigKeys.setMessageSizeMax(properties, SizeInBytes.valueOf(2L * Limits.MAX_COMMAND_BYTES));
    this.raft = RaftClient.newBuilder().setRaftGroup(group).setProperties(properties).setRetryPolicy(retry.build()).build();
  }

  /**
   * Sends a write through the leader; the reply's position is remembered for follower reads. The
   * command gets the fields of a session of this client's ({@code lsid}, and a new {@code txnNumber}),
   * as a MongoDB driver's retryable write does: a leader that is handing over leadership refuses the
   * write, and it is sent again, as the same write (a new Ratis call), to the next leader, until the timeout.
   */
  BsonDocument write(BsonDocument command) {
    SessionPool.Session session = sessions.take();
    try {
      Message message = toMessage(session.stamp(command));
      long deadline = System.nanoTime() + connection.timeout().toNanos();
      while (true) {
        try {
          return remember(fromLeader(answer(() -> raft.io().send(message), "write")).reply());
        } catch (SluiceException e) {
          if (!worthResending(e) || System.nanoTime() + RETRY_SLEEP.toLong(TimeUnit.NANOSECONDS) > deadline) {
            throw e;
          }
        }
        LockSupport.parkNanos(RETRY_SLEEP.toLong(TimeUnit.NANOSECONDS));
      }
    } finally {
      sessions.giveBack(session);
    }
  }

  /**
   * Failures Ratis' client gives up on at once although another node can answer: a leader handing
   * over leadership, and a node that is shutting down (its server closed, or the stream to it ended
   * without a reply) while this client is still open.
   */
  private boolean worthResending(SluiceException e) {
    return e.getCause() instanceof LeaderSteppingDownException || e.getCause() instanceof AlreadyClosedException && !closed;
  }

  /** A reply, and the node that sent it (where a cursor it opened lives). */
  record Answer(BsonDocument reply, RaftPeerId node) {}

  /** A read that sees every write acknowledged before it started. */
  Answer readLinearizable(BsonDocument command) {
    return fromLeader(answer(() -> raft.io().sendReadOnly(toMessage(command)), "linearizable read"));
  }

  /** A read answered by this node, whatever it has applied: a cursor's next batch. */
  BsonDocument readOn(RaftPeerId node, BsonDocument command) {
    return call(() -> raft.io().sendStaleRead(toMessage(command), 0, node), "read on " + node);
  }

  /**
   * A read answered by a follower once it has applied {@code atLeast} and everything this client has
   * seen. Tries each non-leader node in turn, then the leader, if a node cannot answer. A node that
   * has not yet learned that the index is committed refuses at once (Ratis checks its commit index
   * before the state machine can wait); it learns with the leader's next message, so while any node
   * refuses only for that reason the round is tried again, until the connection's timeout, as a
   * MongoDB read with {@code afterClusterTime} waits for the node to catch up.
   */
  Answer readFromFollower(BsonDocument command, Position atLeast) {
    long minIndex = Math.max(atLeast.index(), lastSeen.get().index());
    Message message = toMessage(command);
    long deadline = System.nanoTime() + connection.timeout().toNanos();
    long pauseNanos = TimeUnit.MILLISECONDS.toNanos(1);
    while (true) {
      SluiceException last = null;
      boolean someBehind = false;
      for (RaftPeerId node : followersFirst()) {
        try {
          return answer(() -> raft.io().sendStaleRead(message, minIndex, node), "follower read on " + node);
        } catch (SluiceException e) {
          if (!e.isRetryable()) {
            throw e;
          }
          last = e;
          someBehind |= isCommitBehind(e);
        }
      }
      if (!someBehind) {
        throw last;
      }
      if (System.nanoTime() + pauseNanos > deadline) {
        throw new SluiceException(ErrorCode.NOT_YET_APPLIED, "no node learned that index " + minIndex + " is committed within "
            + connection.timeout().toMillis() + " ms (is a majority up?); last error: " + last.getMessage(), last);
      }
      LockSupport.parkNanos(pauseNanos);
      pauseNanos = Math.min(2 * pauseNanos, RETRY_SLEEP.toLong(TimeUnit.NANOSECONDS));
    }
  }

  private static boolean isCommitBehind(Throwable e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof StaleReadException) {
        return true;
      }
    }
    return false;
  }

  /** The newest write position this client has seen in a reply. */
  Position lastSeen() {
    return lastSeen.get();
  }

  /** The address of the node this client takes for the leader: where its next write goes first. */
  Optional<String> leaderAddress() {
    return Optional.ofNullable(raft.getLeaderId()).map(this::addressOf);
  }

  /**
   * The node that answered this client's last write or linearizable read, if it made one: the leader
   * then. (Ratis' own guess is never empty: before any reply it names a peer by priority or order.)
   */
  Optional<RaftPeerId> lastLeader() {
    return Optional.ofNullable(lastLeader.get());
  }

  /** Notes the node that answered a write or linearizable read as the leader (see {@link #lastLeader}). */
  private Answer fromLeader(Answer answer) {
    lastLeader.set(answer.node());
    return answer;
  }

  /** The node that answered this client's last successful call, if there was one. */
  Optional<String> lastAnsweredBy() {
    return Optional.ofNullable(lastAnsweredBy.get()).map(this::addressOf);
  }

  private String addressOf(RaftPeerId id) {
    return PeerAddresses.of(peers, id);
  }

  /** Peer ids with the current leader (if known) last. */
  private List<RaftPeerId> followersFirst() {
    RaftPeerId leader = raft.getLeaderId();
    List<RaftPeerId> order = new ArrayList<>();
    for (RaftPeer peer : peers) {
      if (!peer.getId().equals(leader)) {
        order.add(peer.getId());
      }
    }
    if (leader != null && peers.stream().anyMatch(p -> p.getId().equals(leader))) {
      order.add(leader);
    }
    return order;
  }

  private BsonDocument remember(BsonDocument reply) {
    if (reply.isDocument("opTime")) {
      Position position = Position.fromBson(reply.getDocument("opTime"));
      lastSeen.accumulateAndGet(position, (a, b) -> a.compareTo(b) >= 0 ? a : b);
    }
    return reply;
  }

  private interface RaftCall {
    RaftClientReply send() throws IOException;
  }

  private BsonDocument call(RaftCall call, String what) {
    return answer(call, what).reply();
  }

  private Answer answer(RaftCall call, String what) {
    RaftClientReply reply;
    try {
      reply = call.send();
    } catch (RaftRetryFailureException e) {
      throw new SluiceException(ErrorCode.NOT_WRITABLE_PRIMARY, what + " failed: no node of " + connection
          + " could answer within " + connection.timeout().toMillis() + " ms (is a majority of the nodes up and a leader elected?); last error: "
          + e.getCause(), e);
    } catch (AlreadyClosedException e) {
      throw closed ? new SluiceException(ErrorCode.SHUTDOWN_IN_PROGRESS, "the client is closed", e)
          : new SluiceException(ErrorCode.HOST_UNREACHABLE, what + " failed: the node answering is shutting down (" + e.getMessage() + ")", e);
    } catch (IOException e) {
      throw new SluiceException(ErrorCode.HOST_UNREACHABLE, what + " failed: " + e, e);
    }
    if (!reply.isSuccess()) {
      throw new SluiceException(ErrorCode.HOST_UNREACHABLE, what + " failed: " + reply.getException(), reply.getException());
    }
    lastAnsweredBy.set(reply.getServerId());
    return new Answer(fromMessage(reply.getMessage()), reply.getServerId());
  }

  static Message toMessage(BsonDocument command) {
    return Message.valueOf(ByteString.copyFrom(commandBytes(command)));
  }

  /** The command's BSON; a command over the node's limit fails here, with its size, not as a lost connection. */
  static byte[] commandBytes(BsonDocument command) {
    byte[] bytes = BsonBytes.encode(command);
    if (bytes.length > Limits.MAX_COMMAND_BYTES) {
      throw new SluiceException(ErrorCode.BSON_OBJECT_TOO_LARGE, "the command is " + bytes.length
          + " bytes; the largest a node accepts is " + Limits.MAX_COMMAND_BYTES + " (documents up to 16 MiB)");
    }
    return bytes;
  }

  static BsonDocument fromMessage(Message message) {
    return BsonBytes.decode(message.getContent().asReadOnlyByteBuffer());
  }

  /** Checks a reply, throwing the error it carries. */
  static BsonDocument check(BsonDocument reply) {
    return Replies.check(reply);
  }

  @Override
  public void close() {
    closed = true;
    try {
      raft.close();
    } catch (IOException e) {
      throw new SluiceException(ErrorCode.INTERNAL_ERROR, "closing the Raft client failed", e);
    }
  }
}
