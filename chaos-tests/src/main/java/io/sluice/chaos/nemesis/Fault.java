package io.sluice.chaos.nemesis;

/** The faults a nemesis can inject; each is healed before the next one starts. */
public enum Fault {
  /** SIGKILL the leader; restart it when healing. */
  KILL_LEADER,
  /** SIGKILL a follower. */
  KILL_FOLLOWER,
  /** SIGKILL the node the first stream consumer is reading from. */
  KILL_STREAM_NODE,
  /** Freeze the leader (SIGSTOP). */
  PAUSE_LEADER,
  /** Freeze a follower. */
  PAUSE_FOLLOWER,
  /** Cut the leader off from every other node (clients still reach it). */
  ISOLATE_LEADER,
  /** Split the nodes into two random halves, the smaller one without a majority. */
  SPLIT_HALVES,
  /** Each node sees only its ring neighbours: every node sees a majority, no two the same one (5 nodes). */
  MAJORITY_RING,
  /** The leader's connections to the others are dropped; theirs to it still work. */
  ONE_WAY_FROM_LEADER,
  /** Move the leadership to a follower (Ratis' transferLeadership): an election without a failure. */
  TRANSFER_LEADER,
  /** Kill a follower and delete its data directory; when healing, start it with {@code --rejoin}: it comes back as a fresh member. */
  WIPE_FOLLOWER,
  /** Ask a node for a snapshot and SIGKILL it a few milliseconds later: mid-snapshot, or just before or after. */
  KILL_DURING_SNAPSHOT,
  /**
   * Remove a follower from the membership (Ratis then closes the group on it); when healing, restart
   * it and add it back, so that the leader catches it up as a new member.
   */
  REMOVE_FOLLOWER
}
