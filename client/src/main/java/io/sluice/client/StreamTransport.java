package io.sluice.client;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.Limits;
import io.sluice.protocol.SluiceException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.client.impl.RaftClientRpcWithProxy;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.TimeoutIOException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.rpc.CallId;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.bson.BsonDocument;

/**
 * Sends change-stream cursor commands to one chosen node, without retries: a failure goes back to
 * the stream, which resumes from its last token on another node (a retried {@code getMore} could
 * skip a batch). Requests may wait on the node up to a getMore's await time, so the request timeout
 * is longer than the server's longest await.
 *
 * <p>Requests are spread over {@value #LANES} Ratis clients, each with its own connection to each
 * node. All of one client's requests to a node share one gRPC stream, which the node takes in one
 * request at a time and which fails all its requests at once when it breaks: with thousands of
 * streams, one lane would queue every open and getMore behind the others (10,000 publishers on one
 * lane timed out together and all moved to other nodes at once), and one broken stream would move
 * every stream of the node.
 */
final class StreamTransport implements AutoCloseable {
  /** The server's longest getMore await (ChangeStreamService.MAX_AWAIT) plus room for the reply. */
  private static final TimeDuration REQUEST_TIMEOUT = TimeDuration.valueOf(15, TimeUnit.SECONDS);

  private static final int LANES = 4;
  /** Opens under way at once per node (see {@link OpenLimiter}): a few per lane keep every lane busy. */
  private static final int OPENS_PER_NODE = 16;

  private final List<RaftClient> lanes;
  private final AtomicInteger nextLane = new AtomicInteger();
  /** Per node, so that a node that does not answer holds up only the opens sent to it. */
  private final Map<RaftPeerId, OpenLimiter> opens = new ConcurrentHashMap<>();
  private final List<RaftPeer> peers;
  private final Supplier<Optional<RaftPeerId>> leader;
  private final Duration timeout;
  /** The proxies this transport replaced (see {@link #resetIfBroken}), by identity; forgotten once unused. */
  private final Set<Object> replaced = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

  /** @param leader the node the client takes for the leader, if any: see {@link #resumeOrder} */
  StreamTransport(ConnectionString connection, Supplier<Optional<RaftPeerId>> leader) {
    this.leader = leader;
    RaftGroup group = connection.raftGroup();
    this.peers = List.copyOf(group.getPeers());
    this.timeout = connection.timeout();
    RaftProperties properties = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(properties, REQUEST_TIMEOUT);
    GrpcConfigKeys.setMessageSizeMax(properties, SizeInBytes.valueOf(2L * Limits.MAX_COMMAND_BYTES + 1024 * 1024));
    this.lanes = IntStream.range(0, LANES)
        .mapToObj(i -> RaftClient.newBuilder().setRaftGroup(group).setProperties(properties).setRetryPolicy(RetryPolicies.noRetry()).build())
        .toList();
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
   * Ratis serves a stale read only on a node whose commit index is at least the request's minimum. A
   * node with an empty log (new, or wiped) that has not yet heard from a leader knows none (-1); what
   * it has applied is committed all the same, and it serves streams from that. So: no minimum.
   */
  private static final long ANY_COMMIT_INDEX = -1;

  /**
   * Sends the command to {@code node}. The future fails with a retryable {@link SluiceException} if the
   * node does not answer. Requests go unordered and asynchronous: Ratis' ordered async client hands
   * out replies in request order, so one getMore that waits would hold up the replies to every other
   * stream's getMores, and its blocking client holds a thread per waiting request. They are handed
   * straight to Ratis' RPC, without its client's retry loop, which this transport does not want and
   * which runs each reply through an async step of the JDK's common pool (a new thread per reply on a
   * machine with fewer than 3 cores).
   */
  CompletableFuture<BsonDocument> send(RaftPeerId node, BsonDocument command) {
    Message message;
    try {
      message = RaftTransport.toMessage(command); // a pipeline over the command limit fails here, not as a lost connection
    } catch (SluiceException tooLarge) {
      return CompletableFuture.failedFuture(tooLarge);
    }
    RaftClient raft = lanes.get(Math.floorMod(nextLane.getAndIncrement(), LANES));
    RaftClientRequest request = RaftClientRequest.newBuilder().setClientId(raft.getId()).setGroupId(raft.getGroupId()).setServerId(node)
        .setCallId(CallId.getAndIncrement()).setType(RaftClientRequest.staleReadRequestType(ANY_COMMIT_INDEX))
        .setMessage(message).build();
    Object proxy = currentProxy(raft, node);
    CompletableFuture<RaftClientReply> sent = raft.getClientRpc().sendRequestAsyncUnordered(request);
    Throwable refused = refusal(sent);
    if (refused instanceof AlreadyClosedException && neverSent(refused)) {
      // The lane's stream to the node broke earlier (the node restarted, say) while the lane had nothing
      // to send: the request never left, so it goes again, once, on a new stream. (If another request
      // on the same lane is replacing the stream just then, this one may meet the old stream again and
      // fail; its stream then resumes on another node.)
      resetIfBroken(raft, node, proxy, refused);
      proxy = currentProxy(raft, node);
      sent = raft.getClientRpc().sendRequestAsyncUnordered(request);
    }
    Object sentThrough = proxy;
    return sent.handle((reply, failure) -> {
      if (failure != null) {
        resetIfBroken(raft, node, sentThrough, failure);
        throw new SluiceException(ErrorCode.HOST_UNREACHABLE, "node " + address(node) + " did not answer: " + rootCause(failure), failure);
      }
      if (!reply.isSuccess()) {
        throw new SluiceException(ErrorCode.HOST_UNREACHABLE, "node " + address(node) + " failed: " + reply.getException(), reply.getException());
      }
      return RaftTransport.fromMessage(reply.getMessage());
    });
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

  /**
   * All unordered requests to a node share one gRPC stream, held by the node's proxy. Once that stream
   * breaks (the node went away, or refused a request while starting or stopping), Ratis refuses every
   * later request on it until the proxy is replaced, which Ratis' own retry loop would do. A request
   * that timed out says nothing about the stream; any other I/O failure means it broke. Each proxy is
   * replaced once, by the first failure seen on it, and only while it is still the node's proxy: every
   * request on a broken stream fails, and replacing the proxy again would close the new stream under
   * the requests already sent there.
   */
  private void resetIfBroken(RaftClient raft, RaftPeerId node, Object proxy, Throwable failure) {
    if (!(failure instanceof IOException) || failure instanceof TimeoutIOException || proxy == null) {
      return;
    }
    if (currentProxy(raft, node) != proxy || !replaced.add(proxy)) {
      return;
    }
    raft.getClientRpc().handleException(node, failure, true);
  }

  /** The proxy a request to {@code node} goes through now (null once the client is closed). */
  private static Object currentProxy(RaftClient raft, RaftPeerId node) {
    try {
      return ((RaftClientRpcWithProxy<?>) raft.getClientRpc()).getProxies().getProxy(node);
    } catch (IOException closed) {
      return null;
    }
  }

  /**
   * Ratis 3.3.0 fails a request it did not send with "... is closed." (the stream broke earlier) or
   * "...: the stream is closed."; a request that was sent and then lost its stream fails with "Stream
   * close: no reply for async request", and must not go twice (a second getMore would skip a batch).
   */
  private static boolean neverSent(Throwable refused) {
    String message = String.valueOf(refused.getMessage());
    return message.endsWith(" is closed.") || message.endsWith(": the stream is closed.");
  }

  /** Why Ratis refused a request before sending it (it then returns a future that failed already), or null. */
  private static Throwable refusal(CompletableFuture<RaftClientReply> sent) {
    if (!sent.isCompletedExceptionally()) {
      return null;
    }
    try {
      sent.getNow(null);
      return null;
    } catch (CompletionException | CancellationException e) {
      return e.getCause();
    }
  }

  private static String rootCause(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    return cause.toString();
  }

  @Override
  public void close() {
    SluiceException failure = null;
    for (RaftClient raft : lanes) { // every lane, whatever one of them throws
      try {
        raft.close();
      } catch (IOException | RuntimeException e) {
        if (failure == null) {
          failure = new SluiceException(ErrorCode.INTERNAL_ERROR, "closing the stream client failed", e);
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}
