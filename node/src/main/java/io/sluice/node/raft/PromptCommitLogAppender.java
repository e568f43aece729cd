package io.sluice.node.raft;

import org.apache.ratis.grpc.server.GrpcLogAppender;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.raftlog.RaftLogIOException;

/**
 * A gRPC log appender that, when it has no entries to send but the follower has not heard of the
 * leader's latest commit index, sends a heartbeat carrying it right away.
 *
 * <p>Why: stock Ratis tells followers of a commit either with the next entry, at the next heartbeat
 * (half the election timeout), or, with log metadata on, by appending a metadata entry that every
 * follower must write and flush before it may advance. A heartbeat needs no log write, so a follower
 * applies an entry one round trip after the leader; that is the latency of a follower's change stream.
 * Each commit index is sent once per follower; the follower's reply confirms it.
 */
final class PromptCommitLogAppender extends GrpcLogAppender {
  /** The highest commit index sent to this follower; only the appender's own thread touches it. */
  private long commitSent = -1;

  PromptCommitLogAppender(RaftServer.Division server, LeaderState leaderState, FollowerInfo follower) {
    super(server, leaderState, follower);
  }

  @Override
  public AppendEntriesRequestProto newAppendEntriesRequest(long callId, boolean heartbeat) throws RaftLogIOException {
    AppendEntriesRequestProto request = super.newAppendEntriesRequest(callId, heartbeat);
    long committed = getRaftLog().getLastCommittedIndex();
    if (request == null && committed > getFollower().getCommitIndex() && committed > commitSent) {
      request = super.newAppendEntriesRequest(callId, true);
    }
    if (request != null) {
      commitSent = Math.max(commitSent, request.getLeaderCommit());
    }
    return request;
  }
}
