package io.sluice.node.raft;

import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.rpc.RpcFactory;
import org.apache.ratis.rpc.RpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.leader.LogAppender;

/**
 * Ratis' gRPC transport, with a leader that tells followers of each new commit index at once
 * ({@link PromptCommitLogAppender}). Followers apply an entry, and so serve its change event, about
 * one round trip after the leader, instead of at the next entry or heartbeat. Wire-compatible with
 * plain gRPC: clients and other servers see ordinary append-entries requests.
 *
 * <p>Selected by class name in {@code raft.rpc.type}, which is how Ratis loads user-defined types.
 */
public final class PromptCommitRpcType implements RpcType {

  @Override
  public String name() {
    return PromptCommitRpcType.class.getName();
  }

  @Override
  public RpcFactory newFactory(Parameters parameters) {
    return new GrpcFactory(parameters) {
      @Override
      public LogAppender newLogAppender(RaftServer.Division server, LeaderState state, FollowerInfo follower) {
        return new PromptCommitLogAppender(server, state, follower);
      }
    };
  }
}
