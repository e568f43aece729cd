package io.sluice.node;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonPOJOBuilder;
import io.sluice.protocol.ClusterNaming;
import io.sluice.statemachine.changestream.HistoryWindow;
import io.sluice.statemachine.changestream.StreamSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.ratis.server.RaftServerConfigKeys;

/**
 * Everything one node needs to start. Built by {@link Builder}, which the YAML file is read into
 * (so the file format and the Java API are one), and which validates every value at {@code build()}.
 *
 * @param cluster        the cluster's name; it names the Raft group, so all nodes and clients must agree
 * @param address        host:port this node listens on for Raft peers and clients
 * @param adminAddress   host:port of the admin HTTP endpoint (/livez, /readyz, /status)
 * @param dataDir        where the Raft log and the store live
 * @param peers          every member's address, this node's included; in join mode, existing members to contact
 * @param join           start with no membership and wait for the leader to add this node (see {@code sluice admin
 *                       add-node}); ignored once the node has Raft storage, which holds its configuration
 * @param electionTimeoutMin  lower bound of Raft's randomized election timeout
 * @param electionTimeoutMax  upper bound of Raft's randomized election timeout
 * @param retryCacheExpiry    how long a leader remembers a write's reply for retries; must exceed the
 *                            clients' operation timeout so a retried write is never applied twice
 * @param staleReadWait       how long a follower read waits for this node to reach the asked position
 * @param streams             change streams: the history window kept for resuming, the shared tail, idle cursors
 * @param sessionLifetime     how long the replicated session table remembers a write's reply, so that a retry
 *                            after a leader restart is still applied once
 * @param durability          snapshots, log retention and what to do with a damaged log
 * @param raftProperties      further Ratis properties ({@code raft.*} keys Ratis reads; others are refused) set verbatim, after Sluice's own
 */
@JsonDeserialize(builder = NodeConfig.Builder.class)
public record NodeConfig(String cluster, String address, String adminAddress, Path dataDir, List<String> peers, boolean join,
                         Duration electionTimeoutMin, Duration electionTimeoutMax, Duration retryCacheExpiry,
                         Duration staleReadWait, StreamSettings streams, Duration sessionLifetime, Durability durability,
                         java.util.SortedMap<String, String> raftProperties) {

  public NodeConfig {
    peers = List.copyOf(peers);
    raftProperties = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(raftProperties));
  }

  /** This node's Raft peer id, derived from its address. */
  public String nodeId() {
    return ClusterNaming.peerId(address);
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder().cluster(cluster).address(address).adminAddress(adminAddress).dataDir(dataDir.toString())
        .peers(peers).join(join).electionTimeoutMinMs(electionTimeoutMin.toMillis()).electionTimeoutMaxMs(electionTimeoutMax.toMillis())
        .retryCacheExpirySeconds(retryCacheExpiry.toSeconds()).staleReadWaitMs(staleReadWait.toMillis())
        .historyMaxEntries(streams.window().maxEntries()).historyMaxBytes(streams.window().maxBytes())
        .historyMaxAgeSeconds(streams.window().maxAge().map(Duration::toSeconds).orElse(0L))
        .streamTailEntries(streams.tailEntries()).streamTailBytes(streams.tailBytes())
        .streamCursorIdleSeconds(streams.cursorIdle().toSeconds()).sessionLifetimeSeconds(sessionLifetime.toSeconds())
        .snapshotEveryEntries(durability.snapshotEveryEntries()).snapshotsRetained(durability.snapshotsRetained())
        .snapshotWriteMibPerSecond(durability.snapshotWriteMibPerSecond())
        .logEntriesKeptAfterSnapshot(durability.logEntriesKeptAfterSnapshot()).raftSegmentSizeMb(durability.segmentSizeMb())
        .corruptLogPolicy(durability.corruptLogPolicy().configValue()).raftProperties(raftProperties);
  }

  /** Defaults suit a local cluster; every setter is a key of the YAML file. */
  @JsonPOJOBuilder(withPrefix = "")
  public static final class Builder {
    private String cluster = ClusterNaming.DEFAULT_CLUSTER_NAME;
    private String address;
    private String adminAddress;
    private String dataDir;
    private List<String> peers = new ArrayList<>();
    private boolean join;
    // What they buy: a killed leader is replaced within about a second (bench failover, SIGKILL: medians
    // 0.82 and 0.91 s in two sets of runs at 300-600 ms, 1.3 s at 500-1000; 2.2 s at 1000-2000 in one JVM). Ratis' own 150-300 ms made a busy
    // 2-core machine lose its leader under load; pre-vote keeps one slow follower from deposing it.
    private long electionTimeoutMinMs = 300;
    private long electionTimeoutMaxMs = 600;
    private long retryCacheExpirySeconds = 90;
    private long staleReadWaitMs = 5000;
    private long historyMaxEntries = HistoryWindow.DEFAULT.maxEntries();
    private long historyMaxBytes = HistoryWindow.DEFAULT.maxBytes();
    private long historyMaxAgeSeconds = 0;
    private int streamTailEntries = StreamSettings.DEFAULT.tailEntries();
    private long streamTailBytes = StreamSettings.DEFAULT.tailBytes();
    private long streamCursorIdleSeconds = StreamSettings.DEFAULT.cursorIdle().toSeconds();
    private long sessionLifetimeSeconds = 1800;
    private long snapshotEveryEntries = Durability.DEFAULT.snapshotEveryEntries();
    private int snapshotsRetained = Durability.DEFAULT.snapshotsRetained();
    private int snapshotWriteMibPerSecond = Durability.DEFAULT.snapshotWriteMibPerSecond();
    private long logEntriesKeptAfterSnapshot = Durability.DEFAULT.logEntriesKeptAfterSnapshot();
    private int raftSegmentSizeMb = Durability.DEFAULT.segmentSizeMb();
    private String corruptLogPolicy = Durability.DEFAULT.corruptLogPolicy().configValue();
    private java.util.SortedMap<String, String> raftProperties = new java.util.TreeMap<>();

    public Builder cluster(String value) { this.cluster = value; return this; }
    public Builder address(String value) { this.address = value; return this; }
    public Builder adminAddress(String value) { this.adminAddress = value; return this; }
    public Builder dataDir(String value) { this.dataDir = value; return this; }
    public Builder peers(List<String> value) { this.peers = new ArrayList<>(value); return this; }
    public Builder join(boolean value) { this.join = value; return this; }
    public Builder electionTimeoutMinMs(long value) { this.electionTimeoutMinMs = value; return this; }
    public Builder electionTimeoutMaxMs(long value) { this.electionTimeoutMaxMs = value; return this; }
    public Builder retryCacheExpirySeconds(long value) { this.retryCacheExpirySeconds = value; return this; }
    public Builder staleReadWaitMs(long value) { this.staleReadWaitMs = value; return this; }
    public Builder historyMaxEntries(long value) { this.historyMaxEntries = value; return this; }
    public Builder historyMaxBytes(long value) { this.historyMaxBytes = value; return this; }
    public Builder historyMaxAgeSeconds(long value) { this.historyMaxAgeSeconds = value; return this; }
    public Builder streamTailEntries(int value) { this.streamTailEntries = value; return this; }
    public Builder streamTailBytes(long value) { this.streamTailBytes = value; return this; }
    public Builder streamCursorIdleSeconds(long value) { this.streamCursorIdleSeconds = value; return this; }
    public Builder sessionLifetimeSeconds(long value) { this.sessionLifetimeSeconds = value; return this; }
    public Builder snapshotEveryEntries(long value) { this.snapshotEveryEntries = value; return this; }
    public Builder snapshotsRetained(int value) { this.snapshotsRetained = value; return this; }
    public Builder snapshotWriteMibPerSecond(int value) { this.snapshotWriteMibPerSecond = value; return this; }
    public Builder logEntriesKeptAfterSnapshot(long value) { this.logEntriesKeptAfterSnapshot = value; return this; }
    public Builder raftSegmentSizeMb(int value) { this.raftSegmentSizeMb = value; return this; }
    public Builder corruptLogPolicy(String value) { this.corruptLogPolicy = value; return this; }
    public Builder raftProperties(java.util.Map<String, String> value) { this.raftProperties = new java.util.TreeMap<>(value); return this; }

    public NodeConfig build() {
      require(cluster != null && !cluster.isBlank(), "cluster", "must be a non-empty name");
      checkAddress("address", address);
      checkAddress("adminAddress", adminAddress);
      require(dataDir != null && !dataDir.isBlank(), "dataDir", "is required (the directory for the Raft log and the store)");
      if (join) {
        require(!peers.isEmpty(), "peers", "must list the host:port of at least one existing member to contact (join mode)");
        peers.forEach(p -> checkAddress("peers", p));
        require(peers.stream().anyMatch(p -> !p.equals(address)), "peers",
            "must list at least one existing member other than this node " + address + " (join mode), got " + peers);
      } else {
        require(!peers.isEmpty(), "peers", "must list every member's host:port, this node's included");
        peers.forEach(p -> checkAddress("peers", p));
        require(peers.contains(address), "peers", "does not contain this node's address " + address + ": " + peers
            + " (a node joining a running cluster sets join: true)");
      }
      require(peers.stream().distinct().count() == peers.size(), "peers", "lists an address twice: " + peers);
      require(!adminAddress.equals(address), "adminAddress", "must differ from address " + address);
      require(electionTimeoutMinMs > 0, "electionTimeoutMinMs", "must be positive, got " + electionTimeoutMinMs);
      require(electionTimeoutMaxMs > electionTimeoutMinMs, "electionTimeoutMaxMs",
          "must be greater than electionTimeoutMinMs (" + electionTimeoutMinMs + "), got " + electionTimeoutMaxMs);
      require(retryCacheExpirySeconds >= 30, "retryCacheExpirySeconds",
          "must be at least 30 (longer than any client's operation timeout), got " + retryCacheExpirySeconds);
      require(staleReadWaitMs > 0, "staleReadWaitMs", "must be positive, got " + staleReadWaitMs);
      require(historyMaxEntries >= 1, "historyMaxEntries", "must be at least 1, got " + historyMaxEntries);
      require(historyMaxBytes >= 1024, "historyMaxBytes", "must be at least 1024, got " + historyMaxBytes);
      require(historyMaxAgeSeconds >= 0, "historyMaxAgeSeconds", "must be 0 (no age limit) or positive, got " + historyMaxAgeSeconds);
      require(streamTailEntries >= 1, "streamTailEntries", "must be at least 1, got " + streamTailEntries);
      require(streamTailBytes >= 1024, "streamTailBytes", "must be at least 1024, got " + streamTailBytes);
      raftProperties.forEach((key, value) -> {
        require(key.startsWith("raft.") && value != null, "raftProperties", "takes Ratis keys (raft.*) with values, got '" + key + "': " + value);
        if (!RatisPropertyKeys.isKnown(key)) {
          require(false, "raftProperties", "has '" + key + "', which Ratis does not read (it would change nothing)"
              + RatisPropertyKeys.closest(key).map(nearest -> "; did you mean '" + nearest + "'?").orElse(""));
        }
        // Ratis' other policy cuts the log at the damage, which leaves a follower the leader never resends to.
        require(!key.equals(RaftServerConfigKeys.Log.CORRUPTION_POLICY_KEY), "raftProperties",
            "must not set '" + key + "': set corruptLogPolicy (fail or rejoin) instead");
        // Lower, a log holding a larger entry would read as damaged at start.
        require(!key.equals(RaftServerConfigKeys.Log.Appender.BUFFER_BYTE_LIMIT_KEY), "raftProperties",
            "must not set '" + key + "': Sluice sets it so that the largest document fits in one entry");
      });
      require(streamCursorIdleSeconds >= 1, "streamCursorIdleSeconds", "must be at least 1, got " + streamCursorIdleSeconds);
      require(sessionLifetimeSeconds >= 1, "sessionLifetimeSeconds", "must be at least 1, got " + sessionLifetimeSeconds);
      require(snapshotEveryEntries >= 100, "snapshotEveryEntries", "must be at least 100, got " + snapshotEveryEntries);
      require(snapshotsRetained >= 1, "snapshotsRetained", "must be at least 1, got " + snapshotsRetained);
      require(snapshotWriteMibPerSecond >= 0, "snapshotWriteMibPerSecond", "must be 0 (no limit) or positive, got " + snapshotWriteMibPerSecond);
      require(logEntriesKeptAfterSnapshot >= 0, "logEntriesKeptAfterSnapshot", "must be 0 or more, got " + logEntriesKeptAfterSnapshot);
      require(raftSegmentSizeMb >= 1 && raftSegmentSizeMb <= 1024, "raftSegmentSizeMb", "must be 1 to 1024, got " + raftSegmentSizeMb);
      Optional<Durability.CorruptLogPolicy> policy = Durability.CorruptLogPolicy.parse(corruptLogPolicy);
      require(policy.isPresent(), "corruptLogPolicy", "must be 'fail' or 'rejoin', got '" + corruptLogPolicy + "'");
      Durability durability = new Durability(snapshotEveryEntries, snapshotsRetained, snapshotWriteMibPerSecond, logEntriesKeptAfterSnapshot,
          raftSegmentSizeMb, policy.get());
      HistoryWindow window = new HistoryWindow(historyMaxEntries, historyMaxBytes,
          historyMaxAgeSeconds == 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(historyMaxAgeSeconds)));
      StreamSettings streams = new StreamSettings(window, streamTailEntries, streamTailBytes, Duration.ofSeconds(streamCursorIdleSeconds),
          Duration.ofMillis(staleReadWaitMs));
      return new NodeConfig(cluster, address, adminAddress, Path.of(dataDir), peers, join, Duration.ofMillis(electionTimeoutMinMs),
          Duration.ofMillis(electionTimeoutMaxMs), Duration.ofSeconds(retryCacheExpirySeconds), Duration.ofMillis(staleReadWaitMs), streams,
          Duration.ofSeconds(sessionLifetimeSeconds), durability, raftProperties);
    }

    private static void checkAddress(String key, String value) {
      require(value != null, key, "is required (host:port)");
      int colon = value.lastIndexOf(':');
      require(colon > 0 && value.substring(colon + 1).matches("\\d{1,5}"), key, "must be host:port, got '" + value + "'");
      int port = Integer.parseInt(value.substring(colon + 1));
      require(port >= 1 && port <= 65535, key, "has port " + port + ", which is not in 1-65535");
    }

    private static void require(boolean ok, String key, String problem) {
      if (!ok) {
        throw new ConfigException(key + " " + problem);
      }
    }
  }
}
