package io.sluice.client;

import java.util.ArrayDeque;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Lets at most a few change-stream opens (aggregate commands: first opens and resumes) be under way at
 * once; the others wait here, without a thread, until one ends. An open costs a node far more than a
 * getMore (it checks the token against the history and reads the first batch under the store's lock):
 * thousands of opens at once, when thousands of streams start or all resume after their node failed,
 * take the node's time from the getMores until those time out, and the streams resume again. MongoDB's drivers bound opens the same way, by
 * their connection pool.
 *
 * <p>Waiting opens are started by whichever thread frees a place, in a loop, never by recursion: an
 * open that fails at once (a closed connection) frees its place while the loop still runs, and the
 * loop goes on.
 */
final class OpenLimiter {
  private final int limit;
  private final Queue<Runnable> waiting = new ArrayDeque<>();
  private int running;
  private boolean starting;

  OpenLimiter(int limit) {
    this.limit = limit;
  }

  /** Runs {@code open} once fewer than the limit are under way; the future completes as open's does. */
  <T> CompletableFuture<T> submit(Supplier<CompletableFuture<T>> open) {
    CompletableFuture<T> result = new CompletableFuture<>();
    synchronized (this) {
      waiting.add(() -> start(open, result));
    }
    startWaiting();
    return result;
  }

  private <T> void start(Supplier<CompletableFuture<T>> open, CompletableFuture<T> result) {
    CompletableFuture<T> started;
    try {
      started = Objects.requireNonNull(open.get(), "an open returned no future");
    } catch (Throwable e) { // whatever it throws, its place must be freed and its caller told
      started = CompletableFuture.failedFuture(e);
    }
    started.whenComplete((value, failure) -> {
      synchronized (this) {
        running--;
      }
      if (failure != null) {
        result.completeExceptionally(failure);
      } else {
        result.complete(value);
      }
      startWaiting();
    });
  }

  /** Starts waiting opens while there is room; a thread that finds another one doing it leaves it to that one. */
  private void startWaiting() {
    synchronized (this) {
      if (starting) {
        return;
      }
      starting = true;
    }
    while (true) {
      Runnable next;
      synchronized (this) {
        if (running >= limit || waiting.isEmpty()) {
          starting = false; // decided under the lock that frees places, so no freed place goes unseen
          return;
        }
        running++;
        next = waiting.poll();
      }
      next.run();
    }
  }
}
