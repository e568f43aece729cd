package io.sluice.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.client.SluiceCollection;
import io.sluice.node.admin.ClusterAdmin;
import io.sluice.node.admin.Member;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;
import org.apache.ratis.server.RaftServer;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Learners promoted while Ratis' follower timer waits for the server's lock: the moment that
 * deadlocks Ratis 3.3.0 (see {@link PromotionDeadlockBreaker}). A contender thread holds each
 * learner's lock until the timer and another thread wait for it, over and over, so that the
 * promotion is likely to meet a waiting timer. The JVM decides which waiting thread gets the lock,
 * so the deadlock forms in some promotions, not all: without the breaker, two runs of three of a
 * two-learner version hung (the rest passed); a hung learner never reaches the others' state.
 */
class PromotionDeadlockBreakerTest {
  @TempDir
  Path dir;

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void learnersPromotedWhileTheirFollowerTimerWaitsForTheLockBecomeWorkingVoters() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(dir, 3)) {
      ClusterAdmin admin = cluster.admin();
      SluiceCollection c = cluster.client().getDatabase("db").getCollection("c");
      c.insertOne(new Document("_id", "before"));
      int[] learners = IntStream.range(0, 3).map(i -> cluster.startJoiner(SluiceNode.Entry.JOIN)).toArray();
      for (int learner : learners) {
        admin.addNode(cluster.address(learner), true);
      }
      cluster.awaitIdenticalState();

      for (int learner : learners) {
        RaftServer.Division division = division(cluster.node(learner));
        try (LockContender contender = new LockContender(division)) {
          admin.addNode(cluster.address(learner), false);
          // Contend until the configuration that promotes it has reached it (its role changes before the wait that can hang).
          await().atMost(Duration.ofSeconds(30)).until(() -> division.getInfo().isFollower());
        }
      }
      assertThat(admin.members()).filteredOn(m -> m.role() == Member.Role.FOLLOWER || m.role() == Member.Role.LEADER).hasSize(6);
      c.insertOne(new Document("_id", "after"));
      cluster.awaitIdenticalState();
      System.out.printf("the breaker ended %d waits%n", Arrays.stream(learners).map(i -> cluster.node(i).promotionDeadlockBreaker().broken()).sum());
    }
  }

  private static RaftServer.Division division(SluiceNode node) throws IOException {
    RaftServer server = node.raftServer();
    return server.getDivision(server.getGroupIds().iterator().next());
  }

  /** Holds {@code lock} until the follower timer and one more thread wait for it, releases it, again. */
  private static final class LockContender implements AutoCloseable {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    LockContender(Object lock) {
      thread = new Thread(() -> {
        while (running.get()) {
          synchronized (lock) {
            while (running.get() && !timerAndAnotherWaitFor(lock)) {
              LockSupport.parkNanos(1_000_000);
            }
          }
          Thread.yield();
        }
      }, "lock-contender");
      thread.setDaemon(true);
      thread.start();
    }

    private static boolean timerAndAnotherWaitFor(Object lock) {
      var threads = ManagementFactory.getThreadMXBean();
      ThreadInfo[] waiting = Arrays.stream(threads.getThreadInfo(threads.getAllThreadIds()))
          .filter(i -> i != null && i.getThreadState() == Thread.State.BLOCKED && i.getLockInfo() != null
              && i.getLockInfo().getIdentityHashCode() == System.identityHashCode(lock))
          .toArray(ThreadInfo[]::new);
      return waiting.length >= 2 && Arrays.stream(waiting).anyMatch(i -> i.getThreadName().endsWith("-FollowerState"));
    }

    /** Stops contending; a contender stuck behind a hung server is left behind (it is a daemon). */
    @Override
    public void close() throws InterruptedException {
      running.set(false);
      thread.join(Duration.ofSeconds(10).toMillis());
    }
  }
}
