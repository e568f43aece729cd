package io.sluice.statemachine.storage;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a store's file from growing without end, on a thread of its own while entries are applied:
 * renews the trees trimmed at one end ({@link RenewableTree}) and compacts the file
 * ({@link StoreCompaction}) when they are due. MapDB 3.1 frees neither emptied B-tree nodes nor all
 * the space it frees. One thing at a time; the apply thread asks after every
 * {@link #CHECK_EVERY} entries (cheap looks at counters).
 */
final class StoreMaintenance implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StoreMaintenance.class);
  static final int CHECK_EVERY = 1_024;
  /** Copies of what changed meanwhile, at most, before applying stops for the last changes. */
  private static final int COMPACTION_ROUNDS = 8;
  /** Changes so few that applying may stop while they are copied. */
  private static final int COMPACTION_FINAL_CHANGES = 1_000;
  /** How long to wait for a checkpoint between copies of what changed meanwhile. */
  private static final long CHECKPOINT_WAIT_MILLIS = 200;
  /** Whether {@code System.gc()} starts a concurrent cycle here rather than a full pause (see {@link #releaseReplacedFile}). */
  private static final boolean CONCURRENT_EXPLICIT_GC = concurrentExplicitGc();

  private final Path storeFile;
  private final Path compactingFile;
  private final CompactionPolicy policy;
  private final ReentrantReadWriteLock lock;
  private final Supplier<MapDbFile> current;
  private final Consumer<MapDbFile> install;
  private final ExecutorService thread = Executors.newSingleThreadExecutor(runnable -> {
    Thread maintainer = new Thread(runnable, "store-maintainer");
    maintainer.setDaemon(true);
    return maintainer;
  });
  private final AtomicBoolean running = new AtomicBoolean();
  private final AtomicLong compactions = new AtomicLong();
  private final AtomicLong renewals = new AtomicLong();
  /** Counts restores: a file restored while maintenance ran is not the one it worked on. */
  private final AtomicLong restores = new AtomicLong();
  private volatile boolean closing;
  /** After a failed compaction, the file size at which to try again: not at every check. */
  private volatile long retryCompactionAtFileBytes;
  private int appliedSinceCheck;

  /**
   * For the store file {@code storeFile}; {@code current} gives the store's open file, {@code install}
   * makes a file the store's (called under the write lock of {@code lock}, the store's).
   */
  StoreMaintenance(Path storeFile, CompactionPolicy policy, ReentrantReadWriteLock lock, Supplier<MapDbFile> current,
                   Consumer<MapDbFile> install) throws IOException {
    this.storeFile = storeFile;
    this.compactingFile = storeFile.resolveSibling(storeFile.getFileName() + ".compacting");
    this.policy = policy;
    this.lock = lock;
    this.current = current;
    this.install = install;
    Files.deleteIfExists(compactingFile);
  }

  /** Called by the apply thread after each entry: starts maintenance if due and not running. */
  void afterApply() {
    if (++appliedSinceCheck < CHECK_EVERY) {
      return;
    }
    appliedSinceCheck = 0;
    MapDbFile file = current.get();
    boolean due = compactionDue(file) || file.renewableTrees().stream().anyMatch(RenewableTree::renewalDue);
    if (due && !closing && running.compareAndSet(false, true)) {
      try {
        thread.execute(this::maintain);
      } catch (RejectedExecutionException closed) {
        running.set(false);
      }
    }
  }

  /** The store's file was replaced by a checkpoint: whatever maintenance was doing is dropped. */
  void restored() {
    restores.incrementAndGet();
    retryCompactionAtFileBytes = 0;
  }

  boolean isRunning() {
    return running.get();
  }

  long compactions() {
    return compactions.get();
  }

  long renewals() {
    return renewals.get();
  }

  private boolean compactionDue(MapDbFile file) {
    long fileBytes = file.fileBytes();
    return fileBytes >= retryCompactionAtFileBytes && policy.due(file.freeBytes(), fileBytes);
  }

  private void maintain() {
    long restoresAtStart = restores.get();
    MapDbFile source = current.get();
    try {
      for (RenewableTree<?, ?> tree : source.renewableTrees()) {
        if (tree.renewalDue() && stillOn(source, restoresAtStart)) {
          renew(tree, source, restoresAtStart);
        }
      }
      if (stillOn(source, restoresAtStart) && compactionDue(source)) {
        compact(source, restoresAtStart);
      }
    } catch (IOException | RuntimeException | IllegalAccessError e) {
      // MapDB throws IllegalAccessError on a closed store: a store closed or restored meanwhile stops maintenance, and nothing went wrong then.
      if (stillOn(source, restoresAtStart)) {
        retryCompactionAtFileBytes = 2 * source.fileBytes();
        LOG.warn("compacting the store {} failed; it goes on as it was, and is compacted again when its file is twice as big", storeFile, e);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      running.set(false);
    }
  }

  private void renew(RenewableTree<?, ?> tree, MapDbFile source, long restoresAtStart) {
    try {
      tree.renew(lock.writeLock(), () -> !stillOn(source, restoresAtStart));
      renewals.incrementAndGet();
    } catch (RuntimeException | IllegalAccessError e) {
      if (stillOn(source, restoresAtStart)) {
        LOG.warn("renewing a tree of the store {} failed; it goes on with the tree as it was, renewed again after as many removals", storeFile, e);
      }
    }
  }

  private boolean stillOn(MapDbFile source, long restoresAtStart) {
    return !closing && restores.get() == restoresAtStart && current.get() == source && !source.isClosed();
  }

  /**
   * Rebuilds the file with only its records while entries go on being applied; applying stops only
   * while the last changes are copied and the new file replaces the old.
   */
  private void compact(MapDbFile source, long restoresAtStart) throws IOException, InterruptedException {
    long before = source.fileBytes();
    try (StoreCompaction compaction = StoreCompaction.start(source.store(), compactingFile, () -> closing)) {
      compaction.copyAll();
      for (int round = 0; round < COMPACTION_ROUNDS && compaction.copyChanged() > COMPACTION_FINAL_CHANGES; round++) {
        // Each round copies what was written during the one before, fewer records each time.
      }
      compaction.forceToDisk();
      lockWithoutCheckpoint(source, compaction);
      try {
        if (!stillOn(source, restoresAtStart)) {
          return;
        }
        // Writes the applied state and history bounds held back in memory (MapDbFile#writeApplied), so
        // that the compacted copy holds them: the file opened in its place reads them from its meta map.
        source.flush();
        compaction.finish();
        replaceFile(source);
        compactions.incrementAndGet();
        retryCompactionAtFileBytes = 0;
      } finally {
        lock.writeLock().unlock();
      }
    }
    LOG.info("compacted the store {}: {} bytes, now {}", storeFile, before, current.get().fileBytes());
    releaseReplacedFile();
  }

  /**
   * Has the collector unmap the file the compaction replaced, so that its disk space is freed now: MapDB
   * leaves a closed file's mapping to the collector, and until it is unmapped the deleted file keeps its
   * blocks ({@code df} counts them, {@code du} does not). Its buffers, long-lived, are in the old
   * generation, which G1 may leave uncollected for hours. Asked only of G1 with
   * {@code -XX:+ExplicitGCInvokesConcurrent} (the nodes' flags: {@code deploy/jvm/node.options}),
   * where it starts a concurrent cycle; elsewhere it would stop the JVM for a full collection. (MapDB can
   * unmap at close itself, but a thread still reading the file would then crash the JVM, where now it
   * gets an error.)
   */
  private static void releaseReplacedFile() {
    if (CONCURRENT_EXPLICIT_GC) {
      System.gc();
    }
  }

  private static boolean concurrentExplicitGc() {
    boolean g1 = ManagementFactory.getGarbageCollectorMXBeans().stream().anyMatch(collector -> collector.getName().startsWith("G1 "));
    HotSpotDiagnosticMXBean hotSpot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
    return g1 && hotSpot != null && Boolean.parseBoolean(hotSpot.getVMOption("ExplicitGCInvokesConcurrent").getValue());
  }

  /**
   * Takes the write lock at a moment when no checkpoint of {@code source} is being written (a checkpoint
   * copies the old file); while one is, copies what changes, so that little is left for the lock.
   */
  private void lockWithoutCheckpoint(MapDbFile source, StoreCompaction compaction) throws InterruptedException {
    while (true) {
      while (source.checkpointRunning()) {
        if (closing) {
          throw new CancellationException("the store is closing");
        }
        compaction.copyChanged();
        source.awaitNoCheckpoint(CHECKPOINT_WAIT_MILLIS);
      }
      lock.writeLock().lock();
      if (!source.checkpointRunning()) {
        return;
      }
      lock.writeLock().unlock();
    }
  }

  /**
   * Puts the compacted file in the old one's place, under the write lock. If the move fails the old
   * file is opened again; if no file can be opened, the store is left closed and says so.
   */
  private void replaceFile(MapDbFile source) throws IOException {
    source.close();
    try {
      Files.move(compactingFile, storeFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      MapDbDocumentStore.syncDirectory(storeFile.getParent());
    } finally {
      try {
        install.accept(MapDbFile.open(storeFile));
      } catch (RuntimeException e) {
        LOG.error("the store {} cannot be opened after a compaction; it stays closed. Restart the node: it rebuilds the store from its latest snapshot and the Raft log",
            storeFile, e);
        throw e;
      }
    }
  }

  /** Stops maintenance, waiting a little for a step under way to see it. */
  @Override
  public void close() {
    closing = true;
    thread.shutdown();
    try {
      if (!thread.awaitTermination(10, TimeUnit.SECONDS)) {
        LOG.warn("maintenance of the store {} did not stop within 10 s", storeFile);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
