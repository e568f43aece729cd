package io.sluice.node;

import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.grpc.server.GrpcLogAppender;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.rpc.RpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.leader.LogAppender;
import org.apache.ratis.server.raftlog.RaftLogIOException;
import org.apache.ratis.util.TimeDuration;
import org.apache.ratis.util.Timestamp;

/**
 * Ratis' gRPC transport whose leader tells each follower about a new commit index at once, in an
 * empty append (a heartbeat), instead of at the next write's append or heartbeat.
 *
 * <p>Followers apply, and so serve change events, only what they know is committed. Ratis' own way to
 * make that prompt is a metadata log entry after every commit, which each node writes and syncs to
 * disk, and which a follower acts on only after that sync; a single writer's next write then queues
 * behind it. An empty append is not written anywhere. Ratis' appender wakes when the commit index
 * moves past what a follower reported (when it does not miss the signal), but it sends nothing when it
 * has no entries for that follower: this appender sends the empty append then, once per commit index,
 * when nothing else is on its way to that follower (an append in flight is answered, and the one after
 * it carries the commit anyway).
 * It also sends to a follower with nothing in flight without Ratis' minimum pause between sends
 * ({@link Appender#getRemainingWaitTime}).
 */
public final class PromptCommitRpc implements RpcType {
  /** The class name Ratis loads through {@code raft.rpc.type}. */
  static final String TYPE = PromptCommitRpc.class.getName();

  @Override
  public String name() {
    return "GRPC";
  }

  @Override
  public GrpcFactory newFactory(Parameters parameters) {
    return new GrpcFactory(parameters) {
      @Override
      public LogAppender newLogAppender(RaftServer.Division server, LeaderState state, FollowerInfo follower) {
        return new Appender(server, state, follower);
      }
    };
  }

  /** Ratis' gRPC appender, plus the empty append that carries a commit index nothing else would carry now. */
  static final class Appender extends GrpcLogAppender {
    // Only the appender's own thread reads and writes these.
    /** The highest commit index sent to this follower. */
    private long sentCommit = -1;
    /** When the last append with entries was made: Ratis' minimum wait between sends counts from there. */
    private Timestamp lastEntriesMade = Timestamp.currentTime();
    /** Whether the request just made found no append unanswered: Ratis counts it pending before asking how long to wait. */
    private boolean madeWhileIdle;

    Appender(RaftServer.Division server, LeaderState state, FollowerInfo follower) {
      super(server, state, follower);
    }

    @Override
    public AppendEntriesRequestProto newAppendEntriesRequest(long callId, boolean heartbeat) throws RaftLogIOException {
      boolean idle = !hasPendingDataRequests();
      long commit = getRaftLog().getLastCommittedIndex();
      AppendEntriesRequestProto request = super.newAppendEntriesRequest(callId, heartbeat);
      if (request == null && commitWaitsForNothingElse(commit)) {
        request = super.newAppendEntriesRequest(callId, true);
      }
      madeWhileIdle = request != null && idle;
      if (request != null) {
        sentCommit = Math.max(sentCommit, request.getLeaderCommit());
        if (request.getEntriesCount() > 0) {
          lastEntriesMade = Timestamp.currentTime();
        } else if (idle) {
          // Any empty append with nothing in flight counts as telling the commit index, even if Ratis put a
          // lower one in it (its read index, when reads are set to use the applied index): one per commit
          // index, never a stream of them.
          sentCommit = Math.max(sentCommit, commit);
        }
      }
      return request;
    }

    /**
     * Ratis' appender sleeps until signalled or the heartbeat is due, unless it has entries to send, and
     * a signal sent while it is not asleep is lost: a commit that moved just then would wait for the
     * heartbeat. So it does not sleep while a commit index waits to be sent.
     */
    @Override
    public long getWaitTimeMs() {
      return commitWaitsForNothingElse(getRaftLog().getLastCommittedIndex()) ? 0 : super.getWaitTimeMs();
    }

    /**
     * Ratis waits {@code raft.server.log.appender.wait-time.min} after any send before the next, so
     * that entries arriving meanwhile go in one append. That window helps only while appends are on
     * their way: with none unanswered (a single writer, whose next write comes after the last one's
     * commit, or the commit's own empty append) the follower is idle, and waiting only adds latency.
     * So: no wait then, and otherwise the window counts from the last append with entries.
     */
    @Override
    protected TimeDuration getRemainingWaitTime() {
      boolean idle = madeWhileIdle || !hasPendingDataRequests();
      madeWhileIdle = false;
      return idle ? TimeDuration.ZERO : getWaitTimeMin().add(lastEntriesMade.elapsedTime().negate());
    }

    /**
     * True when the follower has been sent every entry, no append to it is unanswered, and the
     * leader's commit index is past what it has been sent and what it reported: only then does an
     * empty append carry the commit index (with an append in flight Ratis would send it as 0).
     */
    private boolean commitWaitsForNothingElse(long commit) {
      FollowerInfo follower = getFollower();
      return !hasPendingDataRequests()
          && follower.getNextIndex() == getRaftLog().getNextIndex()
          && commit > Math.max(sentCommit, follower.getCommitIndex());
    }
  }
}
