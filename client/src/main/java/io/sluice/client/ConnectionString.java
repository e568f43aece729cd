package io.sluice.client;

import io.sluice.protocol.ClusterNaming;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;

/**
 * A parsed {@code sluice://host:port[,host:port...][/?cluster=NAME&timeoutMS=N]} connection string.
 * The addresses are the nodes' Raft (client) addresses; {@code cluster} names the Raft group
 * (default {@value ClusterNaming#DEFAULT_CLUSTER_NAME}); {@code timeoutMS} bounds every operation,
 * retries included (default 15000).
 */
public record ConnectionString(List<String> addresses, String clusterName, Duration timeout) {
  private static final String SCHEME = "sluice://";

  public ConnectionString {
    addresses = List.copyOf(addresses);
    if (addresses.isEmpty()) {
      throw new IllegalArgumentException("a connection string needs at least one host:port");
    }
  }

  public static ConnectionString parse(String text) {
    if (text == null || !text.startsWith(SCHEME)) {
      throw new IllegalArgumentException("a connection string starts with " + SCHEME + ", got '" + text + "'");
    }
    String rest = text.substring(SCHEME.length());
    String query = "";
    int q = rest.indexOf('?');
    if (q >= 0) {
      query = rest.substring(q + 1);
      rest = rest.substring(0, q);
    }
    if (rest.endsWith("/")) {
      rest = rest.substring(0, rest.length() - 1);
    }
    List<String> addresses = new ArrayList<>();
    for (String address : rest.split(",")) {
      String trimmed = address.trim();
      int colon = trimmed.lastIndexOf(':');
      if (colon <= 0 || !trimmed.substring(colon + 1).matches("\\d{1,5}")
          || Integer.parseInt(trimmed.substring(colon + 1)) > 65535) {
        throw new IllegalArgumentException("'" + trimmed + "' in connection string '" + text + "' is not host:port");
      }
      addresses.add(trimmed);
    }
    String cluster = ClusterNaming.DEFAULT_CLUSTER_NAME;
    Duration timeout = Duration.ofSeconds(15);
    for (String pair : query.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      switch (key) {
        case "cluster" -> cluster = value;
        case "timeoutMS" -> {
          if (!value.matches("\\d{1,9}") || Long.parseLong(value) == 0) {
            throw new IllegalArgumentException("timeoutMS must be a positive number of milliseconds, got '" + value + "'");
          }
          timeout = Duration.ofMillis(Long.parseLong(value));
        }
        default -> throw new IllegalArgumentException("unknown connection string option '" + key + "' in '" + text
            + "'; known options are cluster and timeoutMS");
      }
    }
    return new ConnectionString(addresses, cluster, timeout);
  }

  /** The Raft group these addresses form: peer ids from the addresses, the group id from the cluster name. */
  public RaftGroup raftGroup() {
    List<RaftPeer> peers = addresses.stream()
        .map(address -> RaftPeer.newBuilder().setId(ClusterNaming.peerId(address)).setAddress(address).build()).toList();
    return RaftGroup.valueOf(RaftGroupId.valueOf(ClusterNaming.groupId(clusterName)), peers);
  }

  @Override
  public String toString() {
    return SCHEME + String.join(",", addresses);
  }
}
