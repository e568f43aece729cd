package io.sluice.node;

import java.util.Locale;
import java.util.Optional;

/**
 * How a node keeps its disk bounded and survives damage: snapshots, log retention, and what to do
 * when the Raft log is found damaged at start.
 *
 * @param snapshotEveryEntries        take a snapshot after this many entries since the last one
 * @param snapshotsRetained           how many snapshots to keep (the newest ones)
 * @param snapshotWriteMibPerSecond   the pace at which a snapshot is written while entries are applied; 0: as fast as it can
 * @param logEntriesKeptAfterSnapshot entries kept below a snapshot, so that a follower a little behind
 *                                    catches up from the log rather than from a whole snapshot
 * @param segmentSizeMb               the size at which a Raft log segment is closed (and becomes purgeable)
 * @param corruptLogPolicy            what to do with a log whose last segment is damaged
 */
public record Durability(long snapshotEveryEntries, int snapshotsRetained, int snapshotWriteMibPerSecond, long logEntriesKeptAfterSnapshot,
                         int segmentSizeMb, CorruptLogPolicy corruptLogPolicy) {

  public static final Durability DEFAULT = new Durability(100_000, 2, 64, 10_000, 64, CorruptLogPolicy.FAIL);

  /** The operator's choice for a damaged log segment (seen after a crash mid-write or a disk fault). */
  public enum CorruptLogPolicy {
    /** Refuse to start, with a message that says what to do. */
    FAIL,
    /**
     * Wipe the node's log and store and rejoin the cluster as a fresh member, as {@code --rejoin} does.
     * Not "keep the entries before the damage": the leader keeps the node's old match index and would
     * never send the lost entries again (see {@link NodeRejoin}).
     */
    REJOIN;

    public String configValue() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Optional<CorruptLogPolicy> parse(String value) {
      for (CorruptLogPolicy policy : values()) {
        if (policy.configValue().equals(value)) {
          return Optional.of(policy);
        }
      }
      return Optional.empty();
    }
  }
}
