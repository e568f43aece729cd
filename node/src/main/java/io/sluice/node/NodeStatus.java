package io.sluice.node;

import io.sluice.node.admin.Member;
import io.sluice.statemachine.changestream.ChangeStreamService;
import io.sluice.statemachine.storage.StoreUsage;
import java.util.List;

/**
 * One node's view of itself, as the admin endpoint reports it.
 *
 * @param role        LEADER, FOLLOWER, CANDIDATE, LISTENER or STARTING
 * @param leaderId    the node this one believes leads, or null
 * @param digest      SHA-256 over the store's contents and applied position: equal on nodes at the same index; null unless asked for
 *                    (null when not asked for: it reads the whole store)
 * @param historyFirstIndex  the oldest entry whose change events this node still has (resumable from there)
 * @param historyLastIndex   the newest such entry
 * @param historyEntries     how many entries the history window holds
 * @param openStreams        change-stream cursors open on this node
 * @param snapshotIndex      the index of this node's newest snapshot (0: none)
 * @param logStartIndex      the oldest entry still in this node's Raft log (older ones were purged after a snapshot)
 * @param sessions           writes the session table remembers for retries
 * @param members            the group as this node knows it: the leader first, then voters, then learners
 * @param eventsDelivered    change events this node's streams have sent since it started
 * @param streams            the open streams furthest behind (at most {@link #STREAMS_SHOWN}), with their lag
 * @param store              the store's file: its size, its free bytes, and how often it was compacted and its trees renewed
 */
public record NodeStatus(String id, String address, String adminAddress, String role, long term, String leaderId,
                         long commitIndex, long appliedIndex, long appliedTerm, String digest, long historyFirstIndex,
                         long historyLastIndex, long historyEntries, int openStreams, long snapshotIndex,
                         long logStartIndex, long sessions, List<Member> members, long eventsDelivered,
                         List<ChangeStreamService.StreamView> streams, StoreUsage store) {
  static final int STREAMS_SHOWN = 20;
}
