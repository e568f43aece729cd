package io.sluice.node;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;

/** How far each member of the group has got, as this node's Ratis division knows it. */
final class FollowerProgress {
  private FollowerProgress() {}

  /** On the leader, one follower: what it has acknowledged (the match index) and the time since it last answered. */
  record Match(String id, long matchIndex, long lastReplyMillisAgo) {}

  /**
   * On the leader, its followers' match indices; empty on a follower, or if membership changed while
   * they were read. Ratis lists followers and their match indices in the same order (that of its log
   * appenders), so the list is read on both sides of the indices and must be the same both times.
   */
  static Optional<List<Match>> matches(DivisionInfo info) {
    if (!info.isLeader()) {
      return Optional.empty();
    }
    List<ServerRpcProto> followers = info.getRoleInfoProto().getLeaderInfo().getFollowerInfoList();
    long[] matched = info.getFollowerMatchIndices();
    List<ServerRpcProto> again = info.getRoleInfoProto().getLeaderInfo().getFollowerInfoList();
    if (matched == null || matched.length != followers.size() || !ids(followers).equals(ids(again))) {
      return Optional.empty();
    }
    List<Match> matches = new ArrayList<>();
    for (int i = 0; i < matched.length; i++) {
      matches.add(new Match(peerId(again.get(i)), matched[i], again.get(i).getLastRpcElapsedTimeMs()));
    }
    return Optional.of(matches);
  }

  /** The commit index each member last reported (this node's own included), by peer id. */
  static Map<String, Long> commitIndices(RaftServer.Division division) {
    Map<String, Long> commits = new HashMap<>();
    division.getCommitInfos().forEach(c -> commits.merge(RaftPeerId.valueOf(c.getServer().getId()).toString(), c.getCommitIndex(), Math::max));
    return commits;
  }

  private static List<String> ids(List<ServerRpcProto> followers) {
    return followers.stream().map(FollowerProgress::peerId).toList();
  }

  private static String peerId(ServerRpcProto follower) {
    return RaftPeerId.valueOf(follower.getId().getId()).toString();
  }
}
