package io.sluice.client;

import io.sluice.protocol.BsonBytes;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.thirdparty.io.grpc.ConnectivityState;
import org.apache.ratis.thirdparty.io.grpc.ManagedChannel;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.bson.BsonDocument;

/**
 * Sends change-stream cursor commands to one chosen node, without retries: a failure goes back to
 * the stream, which resumes from its last token on another node (a retried {@code getMore} could
 * skip a batch). Requests may wait on the node up to a getMore's await time, so the request timeout
 * is longer than the server's longest await.
 *
 * <p>Each command is one call of the node's {@link StreamRpc} on one gRPC channel per node: calls
 * share the channel's connection, each on its own HTTP/2 stream, so a getMore that waits holds up no
 * other, and a connection that breaks fails only the calls on it (the channel reconnects for the next).
 */
final class StreamTransport implements AutoCloseable {
  /** Opens under way at once per node (see {@link OpenLimiter}). */
  private static final int OPENS_PER_NODE = 16;

  private final Map<RaftPeerId, ManagedChannel> channels = new ConcurrentHashMap<>();
  /** The Raft group's UUID, which every call names (see {@link StreamRpc#GROUP}). */
  private final String group;
  private volatile boolean closed;
  /** Per node, so that a node that does not answer holds up only the opens sent to it. */
  private final Map<RaftPeerId, OpenLimiter> opens = new ConcurrentHashMap<>();
  private final List<RaftPeer> peers;
  private final Supplier<Optional<RaftPeerId>> leader;
  private final Duration timeout;

  /** @param leader the node the client takes for the leader, if any: see {@link #resumeOrder} */
  StreamTransport(ConnectionString connection, Supplier<Optional<RaftPeerId>> leader) {
    this.leader = leader;
    RaftGroup group = connection.raftGroup();
    this.peers = List.copyOf(group.getPeers());
    this.timeout = connection.timeout();
    this.group = StreamRpc.groupHeader(group.getGroupId());
  }

  List<RaftPeerId> nodes() {
    return peers.stream().map(RaftPeer::getId).toList();
  }

  /** The nodes to resume a stream on after {@code failed} failed it: see {@link #resumeOrder(List, RaftPeerId, Optional)}. */
  List<RaftPeerId> resumeOrder(RaftPeerId failed) {
    return resumeOrder(nodes(), failed, leader.get());
  }

  /**
   * The other followers, in the connection's order starting after {@code failed}, then the leader,
   * then {@code failed} itself. A stream stays off the leader while a follower can serve it, as it
   * opened (the leader has the writes to do).
   */
  static List<RaftPeerId> resumeOrder(List<RaftPeerId> nodes, RaftPeerId failed, Optional<RaftPeerId> leader) {
    List<RaftPeerId> order = new ArrayList<>(nodes);
    if (order.remove(failed)) {
      Collections.rotate(order, -nodes.indexOf(failed));
    }
    leader.filter(order::remove).ifPresent(order::add);
    if (nodes.contains(failed)) {
      order.add(failed);
    }
    return order;
  }

  /** The node with this address, or an IllegalArgumentException naming the known ones. */
  RaftPeerId node(String address) {
    return peers.stream().filter(p -> p.getAddress().equals(address)).map(RaftPeer::getId).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no node at " + address + " in this connection; nodes are "
            + peers.stream().map(RaftPeer::getAddress).toList()));
  }

  /** The connection's timeout: how long a stream may take to resume. */
  Duration timeout() {
    return timeout;
  }

  String address(RaftPeerId node) {
    return PeerAddresses.of(peers, node);
  }

  /**
   * Sends the command to {@code node}. The future fails with a retryable {@link SluiceException} if the
   * node does not answer (it is down, refuses the call while it starts, or lets the call time out); see
   * {@link #callFailed}.
   */
  CompletableFuture<BsonDocument> send(RaftPeerId node, BsonDocument command) {
    byte[] bytes;
    try {
      bytes = RaftTransport.commandBytes(command);
    } catch (SluiceException tooLarge) {
      return CompletableFuture.failedFuture(tooLarge);
    }
    ManagedChannel channel;
    try {
      channel = channel(node);
    } catch (SluiceException closedAlready) {
      return CompletableFuture.failedFuture(closedAlready);
    }
    if (channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
      // gRPC waits longer and longer (up to 2 min) before it connects again to a node that was down, and
      // fails calls at once meanwhile; a stream resumed on this node once it is back should not wait for that.
      channel.resetConnectBackoff();
    }
    return StreamRpc.call(channel, group, bytes, StreamRpc.CALL_TIMEOUT_MS).handle((reply, failure) -> {
      if (failure != null) {
        throw callFailed(address(node), Status.fromThrowable(failure), failure);
      }
      try {
        return BsonBytes.decode(reply);
      } catch (RuntimeException malformed) {
        throw new SluiceException(ErrorCode.HOST_UNREACHABLE, "node " + address(node) + " sent a reply that is not BSON: "
            + malformed.getMessage(), malformed);
      }
    });
  }

  /**
   * What a failed call means to a stream. A node that did not answer (down, starting, too slow, or
   * refusing a call meant for another cluster, which the next node in the connection string may not)
   * is worth resuming on elsewhere; one without the method, or whose reply is over this client's limit,
   * would fail the same way again, so the stream ends with a typed error.
   */
  static SluiceException callFailed(String node, Status status, Throwable cause) {
    String why = status.getCode() + (status.getDescription() == null ? "" : " (" + status.getDescription() + ")");
    record Meaning(ErrorCode code, String what) {}
    Meaning meaning = switch (status.getCode()) {
      case UNIMPLEMENTED -> new Meaning(ErrorCode.COMMAND_NOT_FOUND, "has no change-stream RPC ("
          + StreamRpc.COMMAND.getFullMethodName() + "): it runs an older Sluice; upgrade the nodes before the clients");
      case RESOURCE_EXHAUSTED -> tooLarge(status) ? new Meaning(ErrorCode.BSON_OBJECT_TOO_LARGE, "sent a reply larger than this client accepts: " + why)
          : new Meaning(ErrorCode.HOST_UNREACHABLE, "refused the call: " + why); // shedding load
      case DEADLINE_EXCEEDED -> new Meaning(ErrorCode.NETWORK_TIMEOUT, "did not answer within " + StreamRpc.CALL_TIMEOUT_MS + " ms");
      case UNAVAILABLE, CANCELLED, ABORTED -> new Meaning(ErrorCode.HOST_UNREACHABLE, "did not answer: " + why);
      default -> new Meaning(ErrorCode.HOST_UNREACHABLE, "refused the call: " + why);
    };
    return new SluiceException(meaning.code(), "node " + node + " " + meaning.what(), cause);
  }

  /** gRPC's refusal of a message over the size limit, among its other RESOURCE_EXHAUSTED (a peer shedding load, say). */
  private static boolean tooLarge(Status status) {
    return status.getDescription() != null && status.getDescription().contains("exceeds maximum size");
  }

  /** The node's channel, made on first use; refused once this transport is closed. */
  private ManagedChannel channel(RaftPeerId node) {
    ManagedChannel channel = channels.computeIfAbsent(node, n -> StreamRpc.channel(address(n)));
    if (closed) {
      channel.shutdownNow();
      throw new SluiceException(ErrorCode.CURSOR_KILLED, "the client is closed");
    }
    return channel;
  }

  /**
   * Sends a stream's aggregate command (its first open or a resume) once there is a place among the
   * opens under way; if {@code abandoned} says by then that the stream was closed, it fails instead.
   */
  CompletableFuture<BsonDocument> open(RaftPeerId node, BsonDocument aggregate, BooleanSupplier abandoned) {
    return opens.computeIfAbsent(node, n -> new OpenLimiter(OPENS_PER_NODE)).submit(() -> abandoned.getAsBoolean()
        ? CompletableFuture.failedFuture(new SluiceException(ErrorCode.CURSOR_KILLED, "the change stream was closed before it opened"))
        : send(node, aggregate));
  }

  @Override
  public void close() {
    closed = true;
    channels.values().forEach(ManagedChannel::shutdownNow);
  }
}
