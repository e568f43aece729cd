package io.sluice.node.admin;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.ratis.proto.RaftProtos.CommitInfoProto;
import org.apache.ratis.proto.RaftProtos.RaftConfigurationProto;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.util.ProtoUtils;

/**
 * The Raft configuration as the leader reported it in one group-info reply.
 *
 * @param stable false while a change is under way (joint consensus: an old configuration is still in force)
 */
record GroupView(RaftPeerId leader, List<RaftPeer> voters, List<RaftPeer> listeners, boolean stable,
                 Map<RaftPeerId, Long> commitIndexes) {

  static GroupView of(GroupInfoReply leaderInfo) {
    RaftConfigurationProto conf = leaderInfo.getConf().orElseThrow(() -> new IllegalStateException("no configuration in " + leaderInfo));
    Map<RaftPeerId, Long> commits = leaderInfo.getCommitInfos().stream().collect(Collectors.toMap(
        (CommitInfoProto c) -> RaftPeerId.valueOf(c.getServer().getId()), CommitInfoProto::getCommitIndex, Math::max));
    boolean stable = conf.getOldPeersCount() == 0 && conf.getOldListenersCount() == 0;
    return new GroupView(leaderInfo.getServerId(), ProtoUtils.toRaftPeers(conf.getPeersList()),
        ProtoUtils.toRaftPeers(conf.getListenersList()), stable, commits);
  }

  boolean isVoter(RaftPeerId id) {
    return find(voters, id).isPresent();
  }

  boolean isListener(RaftPeerId id) {
    return find(listeners, id).isPresent();
  }

  boolean isMember(RaftPeerId id) {
    return isVoter(id) || isListener(id);
  }

  /** The voters without {@code id}. */
  List<RaftPeer> votersWithout(RaftPeerId id) {
    return voters.stream().filter(p -> !p.getId().equals(id)).toList();
  }

  List<RaftPeer> listenersWithout(RaftPeerId id) {
    return listeners.stream().filter(p -> !p.getId().equals(id)).toList();
  }

  /** The leader first, then the other voters, then the learners; each group by address. */
  List<Member> members() {
    List<Member> members = new ArrayList<>();
    for (RaftPeer p : sorted(voters)) {
      members.add(new Member(p.getId().toString(), p.getAddress(),
          p.getId().equals(leader) ? Member.Role.LEADER : Member.Role.FOLLOWER, commitIndexes.getOrDefault(p.getId(), 0L)));
    }
    for (RaftPeer p : sorted(listeners)) {
      members.add(new Member(p.getId().toString(), p.getAddress(), Member.Role.LEARNER, commitIndexes.getOrDefault(p.getId(), 0L)));
    }
    members.sort(java.util.Comparator.comparing((Member m) -> m.role() != Member.Role.LEADER));
    return members;
  }

  private static List<RaftPeer> sorted(List<RaftPeer> peers) {
    return peers.stream().sorted(java.util.Comparator.comparing(RaftPeer::getAddress)).toList();
  }

  /** For messages: "voters [a:1, b:2], learners [c:3]". */
  String describe() {
    return "voters " + addresses(voters.stream()) + ", learners " + addresses(listeners.stream());
  }

  private static String addresses(Stream<RaftPeer> peers) {
    return peers.map(RaftPeer::getAddress).toList().toString();
  }

  private static Optional<RaftPeer> find(List<RaftPeer> peers, RaftPeerId id) {
    return peers.stream().filter(p -> p.getId().equals(id)).findFirst();
  }
}
