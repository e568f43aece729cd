package io.sluice.node.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * Writes to the {@link BaselineCluster}: each a message of the value's size plus the few bytes a
 * key and an operation take, through Ratis' own blocking client (the call Sluice's client makes).
 */
final class BaselineLoad implements LoadTarget {
  /** Roughly what Sluice's write command adds to the value: operation, namespace, key, session fields. */
  private static final int COMMAND_OVERHEAD_BYTES = 100;

  private final List<RaftClient> clients = new ArrayList<>();
  private final AtomicInteger turn = new AtomicInteger();
  private final ByteString message;

  BaselineLoad(BaselineCluster cluster, int clientCount, int valueBytes) {
    byte[] payload = new byte[valueBytes + COMMAND_OVERHEAD_BYTES];
    new SplittableRandom(7).nextBytes(payload);
    message = ByteString.copyFrom(payload);
    for (int i = 0; i < clientCount; i++) {
      clients.add(cluster.client());
    }
  }

  @Override
  public String name() {
    return "baseline";
  }

  @Override
  public String unit() {
    return "writes";
  }

  @Override
  public void operate(SplittableRandom random) throws Exception {
    RaftClient client = clients.get(Math.floorMod(turn.getAndIncrement(), clients.size()));
    RaftClientReply reply = client.io().send(Message.valueOf(message));
    if (!reply.isSuccess()) {
      throw reply.getException();
    }
  }

  @Override
  public void close() {
    for (RaftClient client : clients) {
      try {
        client.close();
      } catch (java.io.IOException e) {
        // The others still close.
      }
    }
  }
}
