package io.sluice.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.node.StuckFollowerWatch.Follower;
import io.sluice.node.StuckFollowerWatch.Sample;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sign of Ratis' appender stall, as the leader's samples show it every 5 s: a follower that answers,
 * whose match index stays above the commit index it reports, which is below the leader's.
 */
class StuckFollowerWatchTest {
  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private final StuckFollowerWatch watch = new StuckFollowerWatch(null, null, PATIENCE);

  /** Samples every 5 s for {@code seconds}, the leader committing 1,000 entries between two; what the last one finds. */
  private List<Follower> watchFor(int seconds, Follower follower, boolean leaderCommits) {
    List<Follower> stuck = List.of();
    for (int t = 0; t <= seconds; t += 5) {
      long leaderCommit = 30_000 + (leaderCommits ? 1_000L * t : 0);
      stuck = watch.stuck(Optional.of(new Sample(leaderCommit, List.of(follower))), 1_000L * t);
    }
    return stuck;
  }

  @Test
  void aFollowerThatAnswersButWhoseMatchStaysAboveItsCommitIsStuckAfterThePatience() {
    Follower stalled = new Follower("n2", 16_976, 16_975, 4_000);
    assertThat(watchFor(25, stalled, true)).as("not yet: 25 s").isEmpty();
    assertThat(watch.stuck(Optional.of(new Sample(60_000, List.of(stalled))), 30_000)).containsExactly(stalled);
  }

  @Test
  void aFollowerThatDoesNotAnswerIsDownNotStuck() {
    assertThat(watchFor(60, new Follower("n2", 16_976, 16_975, 40_000), true)).isEmpty();
  }

  @Test
  void aFollowerCatchingUpIsNotStuck() {
    List<Follower> stuck = List.of();
    for (int t = 0; t <= 60; t += 5) {
      stuck = watch.stuck(Optional.of(new Sample(60_000, List.of(new Follower("n2", 10_000 + 100L * t + 50, 10_000 + 100L * t, 10)))), 1_000L * t);
    }
    assertThat(stuck).isEmpty();
  }

  @Test
  void anIdleClusterALeaderWithoutQuorumOrAFollowerInstallingASnapshotIsNotStuck() {
    assertThat(watchFor(60, new Follower("n2", 30_000, 30_000, 10), false)).as("idle, everything committed").isEmpty();
    assertThat(watchFor(60, new Follower("n3", 30_005, 30_000, 10), false)).as("the leader cannot commit: the follower's commit is its own").isEmpty();
    assertThat(watchFor(60, new Follower("n4", 16_975, 16_975, 10), true)).as("match at the commit index (a snapshot install)").isEmpty();
  }

  /** The chaos run that found it: the stall began as the writes stopped, so the leader committed nothing more. */
  @Test
  void aStalledFollowerOfALeaderThatCommitsNothingMoreIsStuckToo() {
    Follower stalled = new Follower("n5", 29_990, 29_969, 300); // 21 entries behind the leader's 30,000
    assertThat(watchFor(25, stalled, false)).as("not yet: 25 s").isEmpty();
    assertThat(watch.stuck(Optional.of(new Sample(30_000, List.of(stalled))), 30_000)).containsExactly(stalled);
  }

  @Test
  void losingTheLeadershipForgetsWhatWasSeen() {
    Follower stalled = new Follower("n2", 16_976, 16_975, 4_000);
    watchFor(25, stalled, true);
    watch.stuck(Optional.empty(), 27_000);
    assertThat(watch.stuck(Optional.of(new Sample(70_000, List.of(stalled))), 35_000)).as("a new term starts the count again").isEmpty();
  }

  @Test
  void aNodeStepsDownForItAtMostOnceInTenMinutes() {
    assertThat(watch.mayStepDown(1_000)).isTrue();
    assertThat(watch.mayStepDown(1_000 + 599_999)).as("leadership must not go round and round").isFalse();
    assertThat(watch.mayStepDown(1_000 + 600_000)).isTrue();
  }

  /** What the watch reads from Ratis on a real leader, and the step-down it would take. */
  @Test
  void onALeaderTheSampleNamesEachFollowerAndSteppingDownStartsANewTerm(@TempDir Path dir) {
    try (LocalCluster cluster = LocalCluster.start(dir, 3)) {
      int leader = cluster.awaitLeader();
      cluster.client().getDatabase("db").getCollection("c").insertOne(new Document("_id", 1));
      StuckFollowerWatch onLeader = cluster.node(leader).stuckFollowerWatch();
      List<String> followers = java.util.stream.IntStream.range(0, 3).filter(i -> i != leader).mapToObj(i -> cluster.config(i).nodeId()).toList();
      await().untilAsserted(() -> {
        Sample sample = onLeader.sample().orElseThrow();
        assertThat(sample.followers()).extracting(Follower::id).containsExactlyInAnyOrderElementsOf(followers);
        assertThat(sample.followers()).allSatisfy(f -> {
          assertThat(f.matchIndex()).isEqualTo(sample.leaderCommit());
          assertThat(f.commitIndex()).isEqualTo(sample.leaderCommit());
          assertThat(f.lastReplyMillisAgo()).isLessThan(PATIENCE.toMillis());
        });
      });
      assertThat(cluster.node(cluster.aFollower()).stuckFollowerWatch().sample()).as("a follower samples nothing").isEmpty();

      long term = cluster.node(leader).info().orElseThrow().getCurrentTerm();
      onLeader.stepDown(onLeader.sample().orElseThrow().followers());

      // An election follows, which the same node may win: what cures the stall is the new term's appenders.
      await().until(() -> cluster.leaderIndex() >= 0 && cluster.node(cluster.leaderIndex()).info().orElseThrow().getCurrentTerm() > term);
      cluster.client().getDatabase("db").getCollection("c").insertOne(new Document("_id", 2));
    }
  }
}
