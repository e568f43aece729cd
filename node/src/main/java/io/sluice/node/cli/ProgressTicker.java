package io.sluice.node.cli;

import java.io.PrintWriter;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;

/**
 * Shows that a long operation is alive: once a second, from its first second on, a line on standard
 * error (standard output stays the result alone) made by {@code status} from the seconds elapsed.
 * An operation done within a second prints nothing. A status that fails prints why, and ticking goes on.
 */
final class ProgressTicker implements AutoCloseable {
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
    Thread thread = new Thread(runnable, "progress");
    thread.setDaemon(true);
    return thread;
  });

  private ProgressTicker(PrintWriter err, LongFunction<String> status) {
    long started = System.nanoTime();
    timer.scheduleWithFixedDelay(() -> {
      long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
      String line;
      try {
        line = status.apply(seconds);
      } catch (RuntimeException e) {
        line = seconds + " s (no status: " + e.getMessage() + ")";
      }
      synchronized (err) {
        err.println(line);
        err.flush();
      }
    }, 1, 1, TimeUnit.SECONDS);
  }

  static ProgressTicker start(PrintWriter err, LongFunction<String> status) {
    return new ProgressTicker(err, status);
  }

  @Override
  public void close() {
    timer.shutdownNow();
    try {
      timer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
