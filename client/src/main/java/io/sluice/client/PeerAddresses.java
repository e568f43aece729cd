package io.sluice.client;

import io.sluice.protocol.ClusterNaming;
import java.util.List;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;

/** Maps the node ids Ratis reports back to the addresses users know nodes by. */
final class PeerAddresses {
  private PeerAddresses() {}

  /**
   * The node's address: from the connection string, else from its id (nodes derive their ids from
   * their addresses, so a node added after the client connected is named too), else the id itself.
   */
  static String of(List<RaftPeer> peers, RaftPeerId id) {
    return peers.stream().filter(p -> p.getId().equals(id)).map(RaftPeer::getAddress).findFirst().orElseGet(() -> {
      try {
        return ClusterNaming.address(id.toString());
      } catch (IllegalArgumentException notAnAddress) {
        return id.toString();
      }
    });
  }
}
