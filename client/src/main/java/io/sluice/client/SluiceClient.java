package io.sluice.client;

import java.util.Objects;

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

  private SluiceClient(ConnectionString connection) {
    this.connection = connection;
    this.transport = new RaftTransport(connection);
  }

  /** Connects to the cluster named by a {@code sluice://} connection string (see {@link ConnectionString}). */
  public static SluiceClient connect(String connectionString) {
    return new SluiceClient(ConnectionString.parse(connectionString));
  }

  public static SluiceClient connect(ConnectionString connection) {
    return new SluiceClient(Objects.requireNonNull(connection, "connection"));
  }

  public SluiceDatabase getDatabase(String name) {
    return new SluiceDatabase(name, transport);
  }

  public ConnectionString connectionString() {
    return connection;
  }

  @Override
  public void close() {
    transport.close();
  }
}
