package io.sluice.node.bench;

import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The parts of an ack-to-event measurement that Sluice's streams ({@link StreamBench}) and etcd's
 * watches ({@link EtcdWatchBench}) share: writes sent at a fixed rate, and the acknowledgement and
 * arrival times (by write id) turned into latencies, missing events and the rate reached.
 */
final class AckToEvent {
  private AckToEvent() {}

  /** Sends write number {@code i}. */
  interface Write {
    void write(int i);
  }

  /** Sends {@code count} writes at {@code rate} per second, each from one of 64 threads: a slow acknowledgement holds up no other. */
  static void atFixedRate(int rate, int count, String option, Write write) throws InterruptedException {
    ExecutorService senders = Executors.newFixedThreadPool(64);
    try {
      paced(rate, count, i -> senders.execute(() -> write.write(i)));
    } finally {
      senders.shutdown();
      if (!senders.awaitTermination(1, TimeUnit.MINUTES)) {
        senders.shutdownNow();
        throw new IllegalStateException("writes at " + rate + "/s were still queued a minute after the last was due: the"
            + " cluster takes fewer; give a lower " + option);
      }
    }
  }

  private static void paced(int perSecond, int count, Write write) {
    long period = TimeUnit.SECONDS.toNanos(1) / perSecond;
    long next = System.nanoTime();
    for (int i = 0; i < count; i++) {
      long wait = next - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      write.write(i);
      next += period;
    }
  }

  /** Polls {@code done} until it holds or {@code seconds} have passed (the caller counts what did not arrive). */
  static void waitFor(BooleanSupplier done, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!done.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
  }

  /** Arrival minus acknowledgement for each write acknowledged from {@code measuredFrom} on whose event arrived. */
  static Latency latencies(Map<Integer, Long> acks, Map<Integer, Long> arrivals, long measuredFrom) {
    Latency latency = new Latency();
    acks.forEach((id, ack) -> {
      Long arrival = arrivals.get(id);
      if (ack >= measuredFrom && arrival != null) {
        latency.recordNanos(arrival - ack);
      }
    });
    return latency;
  }

  /** Acknowledged writes whose event never arrived. */
  static long missing(Map<Integer, Long> acks, Map<Integer, Long> arrivals) {
    return acks.keySet().stream().filter(id -> !arrivals.containsKey(id)).count();
  }

  /** Writes acknowledged from {@code from} to {@code to} (nanoTime), per second. */
  static double perSecond(Map<Integer, Long> acks, long from, long to) {
    return acks.values().stream().filter(ack -> ack >= from).count() / ((to - from) / 1e9);
  }
}
