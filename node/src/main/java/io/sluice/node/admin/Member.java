package io.sluice.node.admin;

/**
 * One member of the Raft group as its leader sees it.
 *
 * @param commitIndex the member's commit index as last reported to the leader (0 if not yet known)
 */
public record Member(String id, String address, Role role, long commitIndex) {

  /** A learner is a Ratis listener: it receives the log and serves reads but does not vote. */
  public enum Role { LEADER, FOLLOWER, LEARNER }
}
