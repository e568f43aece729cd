package io.sluice.node;

import io.sluice.protocol.Limits;
import java.io.File;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/** Turns a {@link NodeConfig} into Ratis properties; each non-default setting says what it buys. */
final class RaftSettings {
  private RaftSettings() {}

  static RaftProperties of(NodeConfig config) {
    RaftProperties p = new RaftProperties();
    RaftServerConfigKeys.setStorageDir(p, List.of(new File(config.dataDir().toFile(), "raft")));
    int colon = config.address().lastIndexOf(':');
    // Bind to this node's own address, not 0.0.0.0: nodes may share a host on different loopback addresses.
    GrpcConfigKeys.Server.setHost(p, config.address().substring(0, colon));
    GrpcConfigKeys.Server.setPort(p, Integer.parseInt(config.address().substring(colon + 1)));

    // Log metadata stays on (Ratis' default): followers learn each commit index from a metadata entry
    // right after the commit instead of at the next heartbeat, which is what makes follower streams prompt.
    RaftServerConfigKeys.Log.setLogMetadataEnabled(p, true);

    // Followers answer linearizable reads through ReadIndex instead of sending every read to the leader.
    RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
    RaftServerConfigKeys.Rpc.setTimeoutMin(p, millis(config.electionTimeoutMin().toMillis()));
    RaftServerConfigKeys.Rpc.setTimeoutMax(p, millis(config.electionTimeoutMax().toMillis()));
    // A retried write must hit the cache, never be applied twice: keep replies longer than clients retry.
    RaftServerConfigKeys.RetryCache.setExpiryTime(p, TimeDuration.valueOf(config.retryCacheExpiry().toSeconds(), TimeUnit.SECONDS));

    // A 16 MiB document must fit in one entry: the appender buffer, the log write buffer, the segment
    // and gRPC messages all have to take it, or the leader steps down and clients retry forever.
    SizeInBytes entryLimit = SizeInBytes.valueOf(2L * Limits.MAX_COMMAND_BYTES);
    RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, entryLimit);
    RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf(entryLimit.getSize() + 8));
    RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(4 * entryLimit.getSize()));
    GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf(entryLimit.getSize() + 1024 * 1024));
    // A new member is first sent the leader's latest snapshot. Ratis' own transfer ships the snapshot's
    // files, and the state machine's snapshot (its applied position, see getLatestSnapshot) has none: the
    // leader then fails to build the request forever and the member never joins. Notification mode asks
    // the new member's state machine instead; it has no snapshot to fetch, so the leader sends the whole
    // log, which is never purged while no snapshot is taken.
    RaftServerConfigKeys.Log.Appender.setInstallSnapshotEnabled(p, false);
    // The operator's own Ratis settings come last, so they can override any of the above.
    config.raftProperties().forEach(p::set);
    return p;
  }

  private static TimeDuration millis(long ms) {
    return TimeDuration.valueOf(ms, TimeUnit.MILLISECONDS);
  }
}
