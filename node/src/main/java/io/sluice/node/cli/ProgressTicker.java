package io.sluice.node.cli;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
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
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
      new ThreadFactoryBuilder().setNameFormat("progress").setDaemon(true).build());

  /** Set before the timer stops: a status asked for just before the end is not printed after it. */
  private volatile boolean closed;

  private ProgressTicker(PrintWriter err, LongFunction<String> status) {
    long started = System.nanoTime();
    timer.scheduleWithFixedDelay(() -> {
      if (closed) {
        return;
      }
      long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
      String line;
      try {
        line = status.apply(seconds);
      } catch (RuntimeException e) {
        line = seconds + " s (no status: " + e.getMessage() + ")";
      }
      synchronized (err) {
        if (!closed) {
          err.println(line);
          err.flush();
        }
      }
    }, 1, 1, TimeUnit.SECONDS);
  }

  static ProgressTicker start(PrintWriter err, LongFunction<String> status) {
    return new ProgressTicker(err, status);
  }

  /** Stops ticking; a status being made is left to finish (not interrupted: an interrupted call reports nodes as down). */
  @Override
  public void close() {
    closed = true;
    timer.shutdown();
    try {
      timer.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
