package io.sluice.node;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.TransferLeadershipRequest;
import org.apache.ratis.rpc.CallId;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends a Ratis 3.3.0 stall in which the leader never sends a live follower its entries again, by
 * stepping down: the leader of the next term (possibly this node again) replicates with new appenders.
 *
 * <p>The stall (README, Durability): after a race in the leader's log appender, its record of what a
 * follower holds (the match index) passes what the follower really holds; from then on it sends that
 * follower only heartbeats, each refused as inconsistent. The follower answers, so nothing times out,
 * but it falls further behind for as long as that leader leads, and streams served by it see nothing
 * new. Its sign, which a healthy follower shows only for a moment: the leader's match index for a
 * follower that answers stays above the commit index that follower reports, which is below the
 * leader's, neither moving. (Whether the leader commits more meanwhile does not matter: a chaos run
 * caught the stall just as the writes stopped, and the follower stayed 21 entries behind.)
 */
final class StuckFollowerWatch implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StuckFollowerWatch.class);
  private static final Duration CHECK_EVERY = Duration.ofSeconds(5);
  /** At most one step-down per node in this time: if a new leader does not cure the sign, leadership must not go round and round. */
  private static final Duration STEP_DOWN_AT_MOST_EVERY = Duration.ofMinutes(10);

  /** One follower as the leader sees it; {@code lastReplyMillisAgo} is the time since it last answered. */
  record Follower(String id, long matchIndex, long commitIndex, long lastReplyMillisAgo) {}

  /** The leader's commit index and its followers, read together. */
  record Sample(long leaderCommit, List<Follower> followers) {}

  /** Since when a follower has shown the same match and commit index. */
  private record Unchanged(long matchIndex, long commitIndex, long sinceMillis) {}

  private final Duration patience;
  private final Map<String, Unchanged> unchanged = new HashMap<>();
  private Long lastStepDownMillis;
  private final RaftServer server;
  private final RaftGroupId groupId;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
      new ThreadFactoryBuilder().setNameFormat("stuck-follower-watch").setDaemon(true).build());

  /** @param patience how long a follower may show the sign before the leader steps down */
  StuckFollowerWatch(RaftServer server, RaftGroupId groupId, Duration patience) {
    this.server = server;
    this.groupId = groupId;
    this.patience = patience;
  }

  void start() {
    timer.scheduleWithFixedDelay(this::check, CHECK_EVERY.toMillis(), CHECK_EVERY.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * The followers of {@code sample} that have shown the sign for {@code patience} at {@code nowMillis}.
   * Remembers what it saw; an empty sample (not the leader) forgets everything.
   */
  List<Follower> stuck(Optional<Sample> sample, long nowMillis) {
    if (sample.isEmpty()) {
      unchanged.clear();
      return List.of();
    }
    List<Follower> stuck = new ArrayList<>();
    Map<String, Unchanged> seen = new HashMap<>();
    for (Follower f : sample.get().followers()) {
      Unchanged before = unchanged.get(f.id());
      Unchanged now = before != null && before.matchIndex() == f.matchIndex() && before.commitIndex() == f.commitIndex()
          ? before : new Unchanged(f.matchIndex(), f.commitIndex(), nowMillis);
      seen.put(f.id(), now);
      // A leader that cannot commit (no quorum) leaves its followers' commit at its own: no sign.
      boolean sign = f.matchIndex() > f.commitIndex() && f.commitIndex() < sample.get().leaderCommit();
      boolean answers = f.lastReplyMillisAgo() < patience.toMillis();
      if (sign && answers && nowMillis - now.sinceMillis() >= patience.toMillis()) {
        stuck.add(f);
      }
    }
    unchanged.clear();
    unchanged.putAll(seen);
    return stuck;
  }

  private void check() {
    try {
      long now = System.currentTimeMillis();
      List<Follower> stuck = stuck(sample(), now);
      if (stuck.isEmpty()) {
        return;
      }
      if (mayStepDown(now)) {
        stepDown(stuck);
      } else {
        LOG.warn("follower(s) {} still show Ratis' appender stall; this node stepped down for it less than {} min ago, so it stays leader",
            stuck, STEP_DOWN_AT_MOST_EVERY.toMinutes());
        unchanged.clear();
      }
    } catch (RuntimeException e) {
      LOG.warn("checking the followers failed; the next check is in {} s", CHECK_EVERY.toSeconds(), e);
    }
  }

  /** True, and remembered, unless this node stepped down less than {@link #STEP_DOWN_AT_MOST_EVERY} ago. */
  boolean mayStepDown(long nowMillis) {
    if (lastStepDownMillis != null && nowMillis - lastStepDownMillis < STEP_DOWN_AT_MOST_EVERY.toMillis()) {
      return false;
    }
    lastStepDownMillis = nowMillis;
    return true;
  }

  /** The leader's view of its followers, or empty if this node does not lead (or the list changed while read). */
  Optional<Sample> sample() {
    RaftServer.Division division;
    try {
      division = server.getDivision(groupId);
    } catch (IOException e) {
      return Optional.empty();
    }
    Optional<List<FollowerProgress.Match>> matches = FollowerProgress.matches(division.getInfo());
    if (matches.isEmpty()) {
      return Optional.empty();
    }
    Map<String, Long> commits = FollowerProgress.commitIndices(division);
    List<Follower> views = new ArrayList<>();
    for (FollowerProgress.Match m : matches.get()) {
      Long commit = commits.get(m.id());
      if (commit != null) {
        views.add(new Follower(m.id(), m.matchIndex(), commit, m.lastReplyMillisAgo()));
      }
    }
    return Optional.of(new Sample(division.getRaftLog().getLastCommittedIndex(), views));
  }

  void stepDown(List<Follower> stuck) {
    LOG.warn("follower(s) {} answer but have not caught up for {} s: this leader's match index for them is above the commit index "
        + "they report, and neither moves (a Ratis 3.3.0 log appender stall); this leader steps down so that the next term's "
        + "leader replicates to them with new appenders", stuck, patience.toSeconds());
    unchanged.clear();
    try {
      server.transferLeadershipAsync(new TransferLeadershipRequest(ClientId.randomId(), server.getId(), groupId, CallId.getAndIncrement(),
          null, CHECK_EVERY.toMillis())).whenComplete((reply, failure) -> {
            if (failure != null || !reply.isSuccess()) {
              LOG.warn("stepping down failed: {}", failure != null ? failure.toString() : reply.getException());
            }
          });
    } catch (IOException e) {
      LOG.warn("stepping down failed", e);
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
