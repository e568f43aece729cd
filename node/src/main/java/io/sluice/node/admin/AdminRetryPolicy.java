package io.sluice.node.admin;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.retry.ClientRetryEvent;
import org.apache.ratis.protocol.GroupInfoRequest;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.RaftException;
import org.apache.ratis.protocol.exceptions.ServerNotReadyException;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.util.TimeDuration;

/**
 * Retries what a leader change or a lost connection causes, until the operation's deadline; hands
 * every other Raft error (a configuration change in progress, a failed bootstrap or transfer) straight
 * back, since only the caller knows whether to re-read the configuration or give up. A group-info
 * request is never retried: it asks one chosen node, and the caller moves on to the next.
 */
final class AdminRetryPolicy implements RetryPolicy {
  private static final TimeDuration SLEEP = TimeDuration.valueOf(200, TimeUnit.MILLISECONDS);

  private volatile long deadlineNanos = System.nanoTime();

  void retryUntil(long deadlineNanos) {
    this.deadlineNanos = deadlineNanos;
  }

  @Override
  public Action handleAttemptFailure(Event event) {
    if (System.nanoTime() - deadlineNanos > 0
        || event instanceof ClientRetryEvent client && client.getRequest() instanceof GroupInfoRequest) {
      return NO_RETRY_ACTION;
    }
    Throwable cause = event.getCause();
    // No cause: the client already followed a NotLeaderException or LeaderNotReadyException.
    boolean leaderMoving = cause == null || cause instanceof NotLeaderException || cause instanceof ServerNotReadyException;
    boolean transport = cause instanceof IOException && !(cause instanceof RaftException);
    return leaderMoving || transport ? () -> SLEEP : NO_RETRY_ACTION;
  }
}
