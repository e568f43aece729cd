package io.sluice.chaos.workload;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/** Threads that each run one loop until stopped; stopping waits for them, so a history is complete. */
final class Workers implements AutoCloseable {
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean running = true;

  /** Starts {@code count} threads named {@code name-i}, each calling {@code step.accept(i)} while running. */
  Workers(String name, int count, IntConsumer step) {
    for (int i = 0; i < count; i++) {
      int worker = i;
      Thread thread = new Thread(() -> {
        while (running) {
          step.accept(worker);
        }
      }, name + "-" + i);
      thread.setDaemon(true);
      threads.add(thread);
    }
    threads.forEach(Thread::start);
  }

  boolean running() {
    return running;
  }

  @Override
  public void close() {
    running = false;
    for (Thread thread : threads) {
      try {
        thread.join(60_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (thread.isAlive()) {
        throw new IllegalStateException(thread.getName() + " did not stop within 60 s");
      }
    }
  }
}
