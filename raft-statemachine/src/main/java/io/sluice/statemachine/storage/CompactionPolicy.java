package io.sluice.statemachine.storage;

/**
 * When a store's file is rebuilt ({@link StoreCompaction}): once at least {@code minFreeBytes} of it,
 * and at least {@code minFreeShare} of it, hold no record. MapDB 3.1 does not reuse all the space it
 * frees (see {@link BatchedFrees}); without this, a store under a steady load grows without end.
 */
public record CompactionPolicy(long minFreeBytes, double minFreeShare) {
  /** 64 MiB and half the file: a file at most about twice its records, or 64 MiB more. */
  public static final CompactionPolicy DEFAULT = new CompactionPolicy(64L << 20, 0.5);
  /** No maintenance at all, trees not renewed either ({@link StoreMaintenance}): the file grows without end. For comparisons. */
  public static final CompactionPolicy OFF = new CompactionPolicy(Long.MAX_VALUE, 1);

  public CompactionPolicy {
    if (minFreeBytes < 0 || !(minFreeShare >= 0 && minFreeShare <= 1)) {
      throw new IllegalArgumentException("a compaction policy needs free bytes >= 0 and a free share in [0, 1], not "
          + minFreeBytes + " and " + minFreeShare);
    }
  }

  boolean due(long freeBytes, long fileBytes) {
    return freeBytes >= minFreeBytes && freeBytes >= fileBytes * minFreeShare;
  }
}
