package io.sluice.node;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import java.io.IOException;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Breaks a Ratis 3.3.0 deadlock that hangs a learner (a Ratis listener) promoted to voter.
 *
 * <p>When a listener receives the configuration that makes it a voter, Ratis turns it into a follower
 * inside {@code appendEntries}, holding the server's lock, and waits there for the listener's old
 * {@code FollowerState} thread to end ({@code ServerState.updateConfiguration}, since RATIS-2378). That
 * thread wakes once per election timeout and takes the same lock to look for a timeout. If it is
 * waiting for the lock at that moment, it never ends, the wait never returns, and the node answers no
 * Raft call again (its admin port still does). A node added with {@code ./sluice cluster add}, or
 * promoted by {@code admin add-node}, joins as a listener first, so any promotion can hit it.
 *
 * <p>The thread waited for has been told to stop, and checks that under the lock before it does
 * anything; so this watch completes its "stopped" future for it when it finds it stopped and still
 * waiting for the lock: the promotion goes on, and the old thread exits as soon as it gets the lock.
 * It reads Ratis' private fields; if a Ratis upgrade renames them, it logs that once and does nothing.
 */
final class PromotionDeadlockBreaker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PromotionDeadlockBreaker.class);
  private static final String FOLLOWER_STATE = "org.apache.ratis.server.impl.FollowerState";
  static final Duration CHECK_EVERY = Duration.ofSeconds(1);

  private final RaftServer server;
  private final RaftGroupId groupId;
  private final Fields fields = Fields.find();
  /** The stopped follower-state threads that were waiting for the lock at the last check. */
  private Set<Thread> waitingBefore = Set.of();
  private final AtomicInteger broken = new AtomicInteger();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
      new ThreadFactoryBuilder().setNameFormat("promotion-deadlock-breaker").setDaemon(true).build());

  PromotionDeadlockBreaker(RaftServer server, RaftGroupId groupId) {
    this.server = server;
    this.groupId = groupId;
  }

  void start() {
    if (fields != null) {
      timer.scheduleWithFixedDelay(this::check, CHECK_EVERY.toMillis(), CHECK_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** How many waits this watch has ended (a stopped timer may also wait behind a long hold of the lock, harmlessly). */
  int broken() {
    return broken.get();
  }

  /** Ends the wait for a stopped thread that was already waiting for the lock one check ago. */
  private void check() {
    try {
      Object division = server.getDivision(groupId);
      Set<Thread> waiting = new HashSet<>();
      for (Thread t : allThreads()) {
        if (t.getClass().getName().equals(FOLLOWER_STATE) && t.getState() == Thread.State.BLOCKED
            && fields.server.get(t) == division && !fields.isRunning.getBoolean(t)) {
          waiting.add(t);
        }
      }
      for (Thread t : waiting) {
        if (waitingBefore.contains(t) && ((CompletableFuture<?>) fields.stopped.get(t)).complete(null)) {
          broken.incrementAndGet();
          LOG.warn("{} was stopped but has waited for the Raft server's lock for over {} s, as in Ratis' listener-promotion"
              + " deadlock (or behind a long hold of the lock); ending the wait for it", t.getName(), CHECK_EVERY.toSeconds());
        }
      }
      waitingBefore = waiting;
    } catch (IOException e) {
      waitingBefore = Set.of(); // no division yet, or any more
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.warn("checking for Ratis' listener-promotion deadlock failed; the next check is in {} s", CHECK_EVERY.toSeconds(), e);
    }
  }

  private static List<Thread> allThreads() {
    ThreadGroup root = Thread.currentThread().getThreadGroup();
    while (root.getParent() != null) {
      root = root.getParent();
    }
    Thread[] threads = new Thread[root.activeCount() * 2 + 16];
    int n = root.enumerate(threads, true);
    return Arrays.asList(threads).subList(0, n);
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }

  /** The private fields of Ratis' {@code FollowerState} this watch reads. */
  private record Fields(Field server, Field isRunning, Field stopped) {
    static Fields find() {
      try {
        Class<?> c = Class.forName(FOLLOWER_STATE);
        return new Fields(open(c, "server"), open(c, "isRunning"), open(c, "stopped"));
      } catch (ReflectiveOperationException | RuntimeException e) {
        LOG.warn("this Ratis version's {} is not the one the listener-promotion deadlock watch knows; the watch is off",
            FOLLOWER_STATE, e);
        return null;
      }
    }

    private static Field open(Class<?> c, String name) throws NoSuchFieldException {
      Field f = c.getDeclaredField(name);
      f.setAccessible(true);
      return f;
    }
  }
}
