package io.sluice.client;

import io.sluice.protocol.Replies;
import io.sluice.protocol.SluiceException;
import java.util.List;
import java.util.Objects;
import org.apache.ratis.protocol.RaftPeerId;
import org.bson.BsonBoolean;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
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
    this.streams = new Streams(connection);
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

  public ConnectionString connectionString() {
    return connection;
  }

  @Override
  public void close() {
    streams.close();
    transport.close();
  }

  /** The change streams' own connection, opened on first use, and the choice of node to serve a stream. */
  static final class Streams implements AutoCloseable {
    private final ConnectionString connection;
    private StreamTransport transport;

    Streams(ConnectionString connection) {
      this.connection = connection;
    }

    synchronized StreamTransport transport() {
      if (transport == null) {
        transport = new StreamTransport(connection);
      }
      return transport;
    }

    /** The node at {@code address}, or else the first follower that answers, or else any node that answers. */
    RaftPeerId firstNode(String address) {
      StreamTransport t = transport();
      if (address != null) {
        return t.node(address);
      }
      RaftPeerId anyAnswering = null;
      for (RaftPeerId node : t.nodes()) {
        try {
          BsonDocument hello = t.send(node, new BsonDocument("hello", new BsonInt32(1)).append("$db", new BsonString("admin")));
          if (Replies.isOk(hello) && !hello.getBoolean("isWritablePrimary", BsonBoolean.FALSE).getValue()) {
            return node;
          }
          anyAnswering = anyAnswering == null ? node : anyAnswering;
        } catch (SluiceException unreachable) {
          // Try the next node.
        }
      }
      return anyAnswering != null ? anyAnswering : t.nodes().get(0);
    }

    @Override
    public synchronized void close() {
      if (transport != null) {
        transport.close();
      }
    }
  }
}
