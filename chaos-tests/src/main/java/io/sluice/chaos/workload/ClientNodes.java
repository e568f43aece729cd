package io.sluice.chaos.workload;

import io.sluice.client.SluiceClient;

/**
 * The node a history line names: an invocation and a failure name the node the client sends to
 * (the last one tried, after a failure); a success names the node whose reply completed it.
 */
final class ClientNodes {
  private ClientNodes() {}

  static String target(SluiceClient client) {
    return client.currentLeader().orElse(null);
  }

  static String answered(SluiceClient client) {
    return client.lastAnsweredBy().orElse(null);
  }
}
