package io.sluice.protocol;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * How addresses and cluster names map to Raft identities, shared by nodes and clients so that a
 * client needs nothing but a connection string: the peer id of a node is derived from its
 * {@code host:port}, and the Raft group id from the cluster's name.
 */
public final class ClusterNaming {
  private ClusterNaming() {}

  public static final String DEFAULT_CLUSTER_NAME = "sluice";

  /** The Raft peer id of the node listening at {@code host:port}, e.g. {@code 127.0.0.1_7101}. */
  public static String peerId(String hostAndPort) {
    int colon = hostAndPort.lastIndexOf(':');
    if (colon <= 0 || colon == hostAndPort.length() - 1) {
      throw new IllegalArgumentException("an address must be host:port, got '" + hostAndPort + "'");
    }
    return hostAndPort.substring(0, colon) + "_" + hostAndPort.substring(colon + 1);
  }

  /** The {@code host:port} of the node whose peer id is {@code peerId}: the inverse of {@link #peerId}. */
  public static String address(String peerId) {
    int underscore = peerId.lastIndexOf('_');
    if (underscore <= 0 || underscore == peerId.length() - 1) {
      throw new IllegalArgumentException("a peer id must be host_port, got '" + peerId + "'");
    }
    return peerId.substring(0, underscore) + ":" + peerId.substring(underscore + 1);
  }

  /** The Raft group id of the cluster with this name (a name-based UUID). */
  public static UUID groupId(String clusterName) {
    return UUID.nameUUIDFromBytes(("sluice-cluster:" + clusterName).getBytes(StandardCharsets.UTF_8));
  }
}
