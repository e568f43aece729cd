package io.sluice.node;

import io.sluice.protocol.Limits;
import io.sluice.statemachine.SnapshotConfigKeys;
import java.io.File;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/** Turns a {@link NodeConfig} into Ratis properties; each non-default setting says what it buys. */
public final class RaftSettings {
  static final SizeInBytes SNAPSHOT_CHUNK = SizeInBytes.valueOf("4MB");

  private RaftSettings() {}

  public static RaftProperties of(NodeConfig config) {
    RaftProperties p = new RaftProperties();
    RaftServerConfigKeys.setStorageDir(p, List.of(new File(config.dataDir().toFile(), "raft")));
    int colon = config.address().lastIndexOf(':');
    // Bind to this node's own address, not 0.0.0.0: nodes may share a host on different loopback addresses.
    GrpcConfigKeys.Server.setHost(p, config.address().substring(0, colon));
    GrpcConfigKeys.Server.setPort(p, Integer.parseInt(config.address().substring(colon + 1)));

    // Followers learn each commit index at once from an empty append (PromptCommitRpc), which no node
    // writes to disk, instead of Ratis' metadata entry after each commit, which each node writes and syncs
    // and a follower acts on only after its sync. The appender also sends without Ratis' 1 ms pause when
    // nothing is in flight. Measured 2026-12-06 (README, Commit notices): a lone writer's p50 on the
    // baseline 2.8 -> 1.2 ms; a follower stream's p50 at 200 writes/s 3.7-6.3 -> 1.4-1.5 ms.
    p.set(RaftConfigKeys.Rpc.TYPE_KEY, PromptCommitRpc.TYPE);
    RaftServerConfigKeys.Log.setLogMetadataEnabled(p, false);

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
    GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf(entryLimit.getSize() + 1024 * 1024));
    durability(p, config.durability(), config.nodeId());
    // The operator's own Ratis settings come last, so they can override any of the above.
    config.raftProperties().forEach(p::set);
    return p;
  }

  /**
   * Snapshots every N entries, then the log is purged up to the snapshot (less the entries kept for
   * followers a little behind) even if a follower is further behind: that one installs the snapshot,
   * and no member that is down can make the others' disks grow without bound.
   */
  private static void durability(RaftProperties p, Durability d, String nodeId) {
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, d.snapshotEveryEntries() + staggering(d.snapshotEveryEntries(), nodeId));
    RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, d.snapshotsRetained());
    SnapshotConfigKeys.setWriteBytesPerSecond(p, d.snapshotWriteMibPerSecond() * (1L << 20));
    // No snapshot at a clean stop: the store closed cleanly is reopened as it is, and a snapshot of a
    // large store would make every stop take seconds.
    RaftServerConfigKeys.Snapshot.setTriggerWhenStopEnabled(p, false);
    snapshotTransfer(p);
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
    RaftServerConfigKeys.Log.setPurgePreservationLogNum(p, d.logEntriesKeptAfterSnapshot());
    // Ratis purges only when this many entries can go at once (1,024 by default): never more than a snapshot's worth.
    RaftServerConfigKeys.Log.setPurgeGap(p, (int) Math.min(1024, d.snapshotEveryEntries()));
    RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(d.segmentSizeMb() + "MB"));
    // Whatever the node's policy: Ratis' other choice, cutting the log at the damage, leaves a follower the leader
    // never sends the lost entries again. SluiceNode.start applies the policy to the failure this gives.
    RaftServerConfigKeys.Log.setCorruptionPolicy(p, RaftServerConfigKeys.Log.CorruptionPolicy.EXCEPTION);
  }

  /**
   * Ratis sends a snapshot in chunks, at most 8 unanswered. When the follower cannot be reached, the
   * sender blocks on the 9th until the oldest chunk's timeout (8 × the request timeout, 24 s by
   * default), and each chunk sent stays in memory until its own timeout. Hence: small chunks, so
   * that overlapping tries cannot fill a small heap (16 MiB chunks filled 384 MiB in the chaos
   * suite); a short request timeout, so that a try to a node that is not up yet ends in 8 s; and a
   * staging timeout well above that, so that such a try does not fail adding the node.
   */
  private static void snapshotTransfer(RaftProperties p) {
    RaftServerConfigKeys.Log.Appender.setSnapshotChunkSizeMax(p, SNAPSHOT_CHUNK);
    GrpcConfigKeys.Server.setInstallSnapshotRequestTimeout(p, TimeDuration.ONE_SECOND);
    RaftServerConfigKeys.setStagingTimeout(p, TimeDuration.valueOf(30, TimeUnit.SECONDS));
  }

  /**
   * Writing a snapshot takes some of a node's disk and cores. With one threshold everywhere every
   * node would snapshot at the same index and the whole cluster would slow down together; each node
   * adds its own offset (up to a quarter of the threshold, from its id), so their snapshots drift apart.
   */
  static long staggering(long snapshotEveryEntries, String nodeId) {
    return Math.floorMod(nodeId.hashCode(), Math.max(1, snapshotEveryEntries / 4));
  }

  private static TimeDuration millis(long ms) {
    return TimeDuration.valueOf(ms, TimeUnit.MILLISECONDS);
  }
}
