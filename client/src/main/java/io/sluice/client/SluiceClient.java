package io.sluice.client;

import io.sluice.protocol.Position;
import io.sluice.protocol.Replies;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.ratis.protocol.RaftPeerId;
import org.bson.BsonBoolean;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.conversions.Bson;

/**
 * A connection to a Sluice cluster. Thread-safe; one per application is enough.
 *
 * <pre>{@code
 * try (SluiceClient client = SluiceClient.connect("sluice://127.0.0.1:7101,127.0.0.1:7102,127.0.0.1:7103")) {
 *   SluiceCollection orders = client.getDatabase("shop").getCollection("orders");
 *   WriteResult w = orders.insertOne(new Document("_id", 1).append("status", "pending"));
 * }
 * }</pre>
 *
 * <p>Writes go to the leader and are retried across leader changes until the connection's timeout
 * (exactly once: see {@link WriteResult}); reads are linearizable unless a collection is asked for
 * another {@link ReadPreference}.
 */
public final class SluiceClient implements AutoCloseable {
  private final ConnectionString connection;
  private final RaftTransport transport;
  private final Streams streams;

  private SluiceClient(ConnectionString connection) {
    this.connection = connection;
    this.transport = new RaftTransport(connection);
    this.streams = new Streams(connection, transport::lastSeen, transport::lastLeader);
  }

  /** Connects to the cluster named by a {@code sluice://} connection string (see {@link ConnectionString}). */
  public static SluiceClient connect(String connectionString) {
    return new SluiceClient(ConnectionString.parse(connectionString));
  }

  public static SluiceClient connect(ConnectionString connection) {
    return new SluiceClient(Objects.requireNonNull(connection, "connection"));
  }

  public SluiceDatabase getDatabase(String name) {
    return new SluiceDatabase(name, transport, streams);
  }

  /** A change stream of every collection of every database. */
  public ChangeStreamIterable watch() {
    return watch(List.of());
  }

  public ChangeStreamIterable watch(List<? extends Bson> pipeline) {
    return new ChangeStreamIterable(streams, null, null, pipeline);
  }

  /** Asks every node of the connection about itself, in connection-string order. */
  public List<NodeDescription> describeNodes() {
    return streams.describeNodes().join();
  }

  /**
   * The node this client sends writes and linearizable reads to: the one it takes for the leader,
   * learnt from the last reply or redirect; empty before it has heard of one. Right after a call it
   * names the node that answered it (or the last node tried, if the call failed).
   */
  public Optional<String> currentLeader() {
    return transport.leaderAddress();
  }

  /**
   * The node whose reply completed this client's most recent successful write or read (with several
   * threads, whichever finished last): the leader for writes and linearizable reads, the chosen
   * member for follower reads. Empty before the first success.
   */
  public Optional<String> lastAnsweredBy() {
    return transport.lastAnsweredBy();
  }

  public ConnectionString connectionString() {
    return connection;
  }

  @Override
  public void close() {
    streams.close();
    transport.close();
  }

  /**
   * The change streams' own connection, opened on first use; the executor that hands events to
   * publishers' subscribers; and the choice of node to serve a stream.
   */
  static final class Streams implements AutoCloseable {
    /** How long closing the client waits for the nodes to kill its open streams' cursors. */
    private static final long CLOSE_WAIT_SECONDS = 5;

    private final ConnectionString connection;
    private final Supplier<Position> lastSeen;
    private final Supplier<Optional<RaftPeerId>> leader;
    private final Set<ResumableStream> open = ConcurrentHashMap.newKeySet();
    private StreamTransport transport;
    private ExecutorService delivery;
    private boolean closed;

    /**
     * @param lastSeen the newest write this client has seen acknowledged (see {@link WatchOptions#after})
     * @param leader the node that answered the client's last write, if any: streams resume elsewhere first
     */
    Streams(ConnectionString connection, Supplier<Position> lastSeen, Supplier<Optional<RaftPeerId>> leader) {
      this.connection = connection;
      this.lastSeen = lastSeen;
      this.leader = leader;
    }

    Position lastSeen() {
      return lastSeen.get();
    }

    synchronized StreamTransport transport() {
      if (closed) {
        throw new IllegalStateException("the client is closed");
      }
      if (transport == null) {
        transport = new StreamTransport(connection, leader);
      }
      return transport;
    }

    /** A stream with these settings, closed with the client if its owner has not closed it. */
    ResumableStream newStream(WatchOptions options) {
      ResumableStream stream = new ResumableStream(transport(), options);
      open.add(stream);
      stream.onClose(() -> open.remove(stream));
      return stream;
    }

    /**
     * Runs subscribers' signals. Its threads are made when there is something to hand over and end after
     * a minute idle, so idle subscriptions hold none; a subscriber that blocks in onNext holds one
     * thread, and only its own stream waits. gRPC's threads, which complete the calls, run no user code,
     * except for the last signal of a subscription the client's close ended.
     */
    synchronized Executor delivery() {
      if (closed) {
        throw new IllegalStateException("the client is closed");
      }
      if (delivery == null) {
        AtomicInteger threads = new AtomicInteger();
        delivery = Executors.newCachedThreadPool(task -> {
          Thread thread = new Thread(task, "sluice-change-stream-delivery-" + threads.incrementAndGet());
          thread.setDaemon(true);
          return thread;
        });
      }
      return delivery;
    }

    /**
     * The node at {@code address}, or else the follower that answers and has applied most, or else any
     * node that answers: a stream without a token starts at its node's applied index, and a node far
     * behind (one that is rejoining, say) would start it far in the past.
     */
    CompletableFuture<RaftPeerId> firstNode(String address) {
      StreamTransport t = transport();
      if (address != null) {
        return CompletableFuture.completedFuture(t.node(address));
      }
      return describeNodes().thenApply(nodes -> {
        Comparator<NodeDescription> furthest = Comparator.comparingLong(NodeDescription::appliedIndex);
        return nodes.stream().filter(n -> n.reachable() && !n.leader()).max(furthest)
            .or(() -> nodes.stream().filter(NodeDescription::reachable).max(furthest))
            .map(n -> t.node(n.address())).orElse(t.nodes().get(0));
      });
    }

    /** Asks every node about itself, all at once; the list is in connection-string order. */
    CompletableFuture<List<NodeDescription>> describeNodes() {
      StreamTransport t = transport();
      BsonDocument hello = new BsonDocument("hello", new BsonInt32(1)).append("$db", new BsonString("admin"));
      List<CompletableFuture<NodeDescription>> answers = t.nodes().stream().map(node -> t.send(node, hello)
          .thenApply(reply -> {
            BsonDocument checked = Replies.check(reply);
            return new NodeDescription(t.address(node), true, checked.getBoolean("isWritablePrimary", BsonBoolean.FALSE).getValue(),
                checked.getInt64("appliedIndex", new BsonInt64(0)).getValue());
          })
          .exceptionally(unreachable -> new NodeDescription(t.address(node), false, false, 0))).toList();
      return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
          .thenApply(allDone -> answers.stream().map(CompletableFuture::join).toList());
    }

    /**
     * Closes the streams still open, so that their nodes do not keep cursors until they time out (a
     * subscriber then gets onError ShutdownInProgress), waiting a few seconds at most for the nodes.
     */
    @Override
    public synchronized void close() {
      closed = true;
      List<CompletableFuture<Void>> kills = List.copyOf(open).stream().map(ResumableStream::close).toList();
      try {
        CompletableFuture.allOf(kills.toArray(CompletableFuture[]::new)).get(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) {
        // A node that does not answer keeps the cursor until it times out there.
      }
      if (transport != null) {
        transport.close();
      }
      if (delivery != null) {
        delivery.shutdown();
      }
    }
  }
}
