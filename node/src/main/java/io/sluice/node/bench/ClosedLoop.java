package io.sluice.node.bench;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A closed-loop load: {@code inflight} threads, each sending its next operation as soon as the last
 * one is acknowledged, so exactly that many are in flight. A warm-up, then a measured span: an
 * operation counts if it started inside the span; its latency goes to an HdrHistogram. A line of
 * progress a second.
 */
final class ClosedLoop {
  /** Throughput over the measured span, the latencies of those acknowledged, the operations that failed in it, and why the first did. */
  record Figures(double perSecond, Latency latency, long failures, String firstFailure) {}

  /** After a failure a thread waits this long before its next operation, so that a failing target is not spun on. */
  private static final long PAUSE_AFTER_FAILURE_MS = 10;

  private ClosedLoop() {}

  static Figures run(LoadTarget target, int inflight, int warmupSeconds, int seconds, PrintWriter progress) throws Exception {
    String what = String.format("%s, %d in flight", target.name(), inflight);
    Latency latency = new Latency();
    LongAdder done = new LongAdder();
    LongAdder completed = new LongAdder();
    AtomicLong failures = new AtomicLong();
    java.util.concurrent.atomic.AtomicReference<String> firstFailure = new java.util.concurrent.atomic.AtomicReference<>();
    long start = System.nanoTime();
    long measureFrom = start + TimeUnit.SECONDS.toNanos(warmupSeconds);
    long measureUntil = measureFrom + TimeUnit.SECONDS.toNanos(seconds);
    ExecutorService threads = Executors.newFixedThreadPool(inflight,
        new ThreadFactoryBuilder().setNameFormat("bench-load-%d").setDaemon(true).build());
    try {
      List<Future<?>> loops = new ArrayList<>();
      SplittableRandom seeds = new SplittableRandom(42);
      for (int i = 0; i < inflight; i++) {
        SplittableRandom random = seeds.split();
        loops.add(threads.submit(() -> {
          for (long begun = System.nanoTime(); begun < measureUntil; begun = System.nanoTime()) {
            boolean measured = begun >= measureFrom;
            try {
              target.operate(random);
              completed.increment();
              if (measured) {
                latency.recordNanos(System.nanoTime() - begun);
                done.increment();
              }
            } catch (Exception e) {
              if (measured) {
                failures.incrementAndGet();
                firstFailure.compareAndSet(null, e.toString());
              }
              Thread.sleep(PAUSE_AFTER_FAILURE_MS);
            }
          }
          return null;
        }));
      }
      long lastCount = 0;
      long lastAt = start;
      while (!allDone(loops)) {
        Thread.sleep(1000);
        long now = System.nanoTime();
        long count = completed.sum();
        long elapsed = TimeUnit.NANOSECONDS.toSeconds(now - start);
        String phase = now < measureFrom ? "warming up" : "measuring";
        progress.printf("  %s: %s, %d of %d s, %,.0f %s/s%n", what, phase, Math.min(elapsed, warmupSeconds + seconds), warmupSeconds + seconds,
            (count - lastCount) * 1e9 / (now - lastAt), target.unit());
        progress.flush();
        lastCount = count;
        lastAt = now;
      }
      for (Future<?> loop : loops) {
        loop.get();
      }
    } finally {
      threads.shutdownNow();
    }
    return new Figures(done.sum() / (double) seconds, latency, failures.get(), firstFailure.get());
  }

  private static boolean allDone(List<Future<?>> loops) {
    return loops.stream().allMatch(Future::isDone);
  }
}
