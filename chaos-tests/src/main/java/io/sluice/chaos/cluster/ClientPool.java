package io.sluice.chaos.cluster;

import io.sluice.client.SluiceClient;
import java.util.ArrayList;
import java.util.List;

/** One client connection per workload process, as independent applications would have; closed together. */
public final class ClientPool implements AutoCloseable {
  private final String connectionString;
  private final List<SluiceClient> clients = new ArrayList<>();

  public ClientPool(String connectionString) {
    this.connectionString = connectionString;
  }

  /** A new client of the cluster. */
  public synchronized SluiceClient newClient() {
    SluiceClient client = SluiceClient.connect(connectionString);
    clients.add(client);
    return client;
  }

  @Override
  public synchronized void close() {
    for (SluiceClient client : clients) {
      try {
        client.close();
      } catch (RuntimeException e) {
        // Closing the others matters more than one failed close.
      }
    }
    clients.clear();
  }
}
