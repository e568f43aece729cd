package io.sluice.statemachine;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import io.sluice.statemachine.storage.DocumentStore;
import java.io.File;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import com.google.common.util.concurrent.RateLimiter;
import io.sluice.statemachine.storage.Checkpoint;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.FileUtils;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's snapshots: each one file, {@code snapshot.<term>_<index>}, a {@link DocumentStore#checkpoint}
 * of the whole store, with a checksum file beside it, in the Raft storage's state-machine directory,
 * where Ratis' {@link SimpleStateMachineStorage} finds them and sends the latest to a follower that
 * needs it. The newest {@code retained} ones are kept.
 *
 * <p>A snapshot starts while nothing is applied (an instant: the checkpoint is copy-on-write); then,
 * in the background while entries are applied again, it is written at a bounded pace, checksummed as
 * it goes ({@link SnapshotChecksum}), forced to disk, given its checksum file, and only then renamed
 * to its final name: a snapshot cut off by a crash never has a snapshot's name. Ratis sends the
 * checksum file along with the snapshot ({@link Checksummed}), and adds an MD5 file to each file it
 * installs. At start, a snapshot whose content does not match its checksum is set aside (renamed
 * {@code .corrupt}) and the one before it is used; an installed one that does not is refused.
 */
final class StoreSnapshots implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StoreSnapshots.class);
  private static final String TEMPORARY = ".tmp";
  /** How Ratis names the directory it receives a snapshot's chunks in, under the group's {@code tmp}. */
  private static final String UNFINISHED_INSTALL = "snapshot-";

  private final Storage storage = new Storage();
  /** How many complete snapshots are kept; all if not positive. */
  private int retained;
  private final ExecutorService writer = daemonThread("snapshot-writer", Thread.NORM_PRIORITY);
  /**
   * Copies the checkpoint, and nothing else: at Java's lowest priority, which the nodes' JVM flags make
   * nice 19 (see ./sluice), so that on busy cores it takes what the writes leave. Nothing that may start
   * a thread runs here (such as completing a future with async stages): the thread would inherit its
   * nice value, and a process without CAP_SYS_NICE cannot lower it again.
   */
  private final ExecutorService copier = daemonThread("snapshot-copier", Thread.MIN_PRIORITY);
  private Path directory;
  private volatile boolean abandoning;
  /** Paces writing a snapshot, so that it takes little of the disk and the cores from applying. */
  private RateLimiter pace;

  SimpleStateMachineStorage storage() {
    return storage;
  }

  /**
   * Finds the snapshots in Raft's storage, dropping leftovers of interrupted ones. Each new snapshot
   * leaves the newest {@code retained} ones (all if not positive).
   */
  void init(RaftStorage raftStorage, int retained, long writeBytesPerSecond) throws IOException {
    pace = writeBytesPerSecond > 0 ? RateLimiter.create(writeBytesPerSecond) : null;
    this.retained = retained;
    directory = raftStorage.getStorageDir().getStateMachineDir().toPath();
    Files.createDirectories(directory);
    try (Stream<Path> files = Files.list(directory)) {
      for (Path leftover : files.filter(StoreSnapshots::isLeftover).toList()) {
        LOG.info("deleting {}, left by a snapshot interrupted before it was complete", leftover);
        Files.delete(leftover);
      }
    }
    dropUnfinishedInstalls(raftStorage.getStorageDir().getTmpDir().toPath());
    storage.init(raftStorage);
  }

  /**
   * Deletes the chunks of installs from the leader that a crash cut off: Ratis writes them under the
   * group's {@code tmp} and moves only a finished install's directory into place, so those of an
   * unfinished one would stay there, up to a snapshot's size each.
   */
  private static void dropUnfinishedInstalls(Path tmp) throws IOException {
    if (!Files.isDirectory(tmp)) {
      return;
    }
    try (Stream<Path> entries = Files.list(tmp)) {
      for (Path leftover : entries.filter(p -> p.getFileName().toString().startsWith(UNFINISHED_INSTALL)).toList()) {
        LOG.info("deleting {}, left by an install of the leader's snapshot that did not finish", leftover);
        FileUtils.deleteFully(leftover);
      }
    }
  }

  /** A temporary file, or the checksum or MD5 file of a file that is not there. */
  private static boolean isLeftover(Path file) {
    String name = file.getFileName().toString();
    for (String suffix : List.of(SnapshotChecksum.SUFFIX, MD5FileUtil.MD5_SUFFIX)) {
      if (name.endsWith(suffix) && !Files.exists(file.resolveSibling(name.substring(0, name.length() - suffix.length())))) {
        return true;
      }
    }
    return name.endsWith(TEMPORARY);
  }

  /** The snapshot's checksum files: its own, Ratis' MD5, and the MD5 Ratis adds to an installed checksum file. */
  private static List<Path> checksumFiles(Path snapshot) {
    Path checksum = SnapshotChecksum.fileFor(snapshot);
    return List.of(checksum, md5File(snapshot), md5File(checksum));
  }

  /** The MD5 file Ratis keeps beside {@code file}. */
  static Path md5File(Path file) {
    return MD5FileUtil.getDigestFileForFile(file.toFile()).toPath();
  }

  /**
   * The newest snapshot whose content matches its checksum, or null; damaged newer ones are set aside.
   * For a snapshot about to be loaded: reading a large one takes seconds.
   */
  SingleFileSnapshotInfo latestIntact() throws IOException {
    setAsideDamagedNewest();
    return storage.loadLatestSnapshot();
  }

  /** The newest complete snapshot, or null. */
  SingleFileSnapshotInfo latest() {
    return storage.getLatestSnapshot();
  }

  /**
   * Re-reads the directory, after Ratis replaced it with a snapshot installed from the leader; checks
   * that snapshot against the checksum it was written with, if it came with one (Ratis' MD5 only
   * covers the transfer), and forces it to disk: Ratis writes it without forcing, and purges the log
   * below it next.
   */
  SingleFileSnapshotInfo reload() throws IOException {
    SingleFileSnapshotInfo installed = storage.loadLatestSnapshot();
    if (installed != null) {
      Path file = installed.getFile().getPath();
      try {
        if (Files.exists(SnapshotChecksum.fileFor(file))) {
          SnapshotChecksum.verify(file);
        }
      } catch (IOException e) {
        throw new IOException("the snapshot " + file + " installed from the leader is damaged (" + e.getMessage()
            + "): the leader's copy does not match what it wrote. Take a new snapshot on the leader (sluice admin snapshot), "
            + "then rejoin this node (sluice node --rejoin)", e);
      }
      forceToDisk(file);
      for (Path checksum : checksumFiles(file)) {
        forceToDisk(checksum);
      }
      syncDirectory();
    }
    return installed;
  }

  private static void forceToDisk(Path file) throws IOException {
    if (Files.exists(file)) {
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
        channel.force(true);
      }
    }
  }

  /**
   * Starts a snapshot of {@code store}, which is at {@code termIndex}: begins a copy-on-write
   * checkpoint now (the caller keeps the store from changing meanwhile) and writes it in the
   * background, at the configured pace, while entries are applied. The future completes when the
   * snapshot is on disk under its name and is the latest; exceptionally if writing it failed.
   */
  CompletableFuture<SingleFileSnapshotInfo> start(TermIndex termIndex, DocumentStore store) {
    File target = storage.getSnapshotFile(termIndex.getTerm(), termIndex.getIndex());
    Path temporary = target.toPath().resolveSibling(target.getName() + TEMPORARY);
    long started = System.nanoTime();
    Checkpoint checkpoint;
    try {
      checkpoint = store.checkpoint(temporary);
    } catch (RuntimeException e) {
      deleteQuietly(temporary);
      return CompletableFuture.failedFuture(e);
    }
    long begun = System.nanoTime();
    return CompletableFuture.supplyAsync(() -> {
      try (checkpoint) {
        CRC32C checksum = new CRC32C();
        copy(checkpoint, checksum);
        long written = System.nanoTime();
        stopIfAbandoned();
        SnapshotChecksum.save(target.toPath(), checksum);
        syncDirectory();
        Files.move(temporary, target.toPath(), StandardCopyOption.ATOMIC_MOVE);
        syncDirectory();
        LOG.info("snapshot {}: started in {} ms (nothing applied meanwhile), then written and checksummed in {} ms while applying, renamed in {} ms",
            target.getName(), millis(begun - started), millis(written - begun), millis(System.nanoTime() - written));
        SingleFileSnapshotInfo taken = new Checksummed(target.toPath(), null, termIndex);
        storage.updateLatestSnapshot(taken);
        deleteOld();
        return taken;
      } catch (Abandoned e) {
        LOG.info("snapshot {} abandoned: {}", target.getName(), e.getMessage());
        deleteQuietly(temporary);
        throw new UncheckedIOException(e);
      } catch (IOException | RuntimeException e) {
        LOG.error("writing snapshot {} failed; the next one is taken after more entries", target, e);
        deleteQuietly(temporary);
        throw new UncheckedIOException("writing snapshot " + target + " failed", e instanceof IOException io ? io : new IOException(e));
      }
    }, writer);
  }

  /**
   * Stops the snapshot being written at its next step (its temporary file is deleted) and waits for
   * it to stop, or to finish if it was past its last step.
   */
  void abandon(CompletableFuture<?> write) {
    abandoning = true;
    try {
      write.handle((done, failed) -> null).join();
    } finally {
      abandoning = false;
    }
  }

  /** Writes the checkpoint's file on the {@link #copier}, checksumming it, at the configured pace. */
  private void copy(Checkpoint checkpoint, CRC32C checksum) throws IOException {
    try {
      copier.submit(() -> {
        checkpoint.finish(chunk -> {
          stopIfAbandoned();
          checksum.update(chunk);
          if (pace != null) {
            pace.acquire(chunk.limit());
          }
        });
        return null;
      }).get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while the snapshot was copied");
    }
  }

  private static ExecutorService daemonThread(String name, int priority) {
    return Executors.newSingleThreadExecutor(
        new ThreadFactoryBuilder().setNameFormat(name).setDaemon(true).setPriority(priority).build());
  }

  private void stopIfAbandoned() throws Abandoned {
    if (abandoning) {
      throw new Abandoned();
    }
  }

  /** A snapshot being written was abandoned: the leader is sending this node a newer one. */
  private static final class Abandoned extends IOException {
    Abandoned() {
      super("a snapshot from the leader replaces it");
    }
  }

  /** A failed snapshot's temporary file, which would otherwise stay until the next start. */
  private static void deleteQuietly(Path temporary) {
    try {
      Files.deleteIfExists(temporary);
    } catch (IOException e) {
      LOG.warn("deleting {} failed; it is deleted at the next start", temporary, e);
    }
  }

  private static long millis(long nanos) {
    return nanos / 1_000_000;
  }

  /** Abandons a snapshot being written: its temporary file is deleted at the next start. */
  @Override
  public void close() {
    writer.shutdownNow();
    copier.shutdownNow();
  }

  private void setAsideDamagedNewest() throws IOException {
    for (Path snapshot : newestFirst()) {
      try {
        long started = System.nanoTime();
        verify(snapshot);
        LOG.info("snapshot {} checked against its checksum in {} ms", snapshot.getFileName(), millis(System.nanoTime() - started));
        return;
      } catch (IOException e) {
        Path corrupt = snapshot.resolveSibling(snapshot.getFileName() + ".corrupt");
        LOG.error("snapshot {} is damaged ({}); moving it to {} and using the one before", snapshot, e.getMessage(), corrupt);
        Files.move(snapshot, corrupt, StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  /** Checks the snapshot against its own checksum file, or against Ratis' MD5 file if it was installed from the leader. */
  static void verify(Path snapshot) throws IOException {
    if (Files.exists(SnapshotChecksum.fileFor(snapshot))) {
      SnapshotChecksum.verify(snapshot);
      return;
    }
    MD5Hash saved = MD5FileUtil.readStoredMd5ForFile(snapshot.toFile());
    if (saved == null) {
      throw new IOException("it has no checksum file");
    }
    MD5FileUtil.verifySavedMD5(snapshot.toFile(), md5Of(snapshot));
  }

  /** Whether the snapshot was completed: it has its checksum file, or Ratis' MD5 file. */
  private static boolean isComplete(Path snapshot) {
    return Files.exists(SnapshotChecksum.fileFor(snapshot)) || Files.exists(md5File(snapshot));
  }

  /**
   * Deletes the snapshots older than the newest {@code retained} complete ones, with their checksum
   * files. A snapshot on disk stays the latest when this fails: it is only logged.
   */
  private void deleteOld() {
    if (retained <= 0) {
      return;
    }
    try {
      int complete = 0;
      for (Path snapshot : newestFirst()) {
        if (complete >= retained) {
          LOG.info("deleting the old snapshot {}", snapshot);
          Files.deleteIfExists(snapshot);
          for (Path checksum : checksumFiles(snapshot)) {
            Files.deleteIfExists(checksum);
          }
        } else if (isComplete(snapshot)) {
          complete++;
        }
      }
    } catch (IOException e) {
      LOG.warn("deleting old snapshots in {} failed; they are deleted after the next snapshot", directory, e);
    }
  }

  /**
   * A snapshot with its checksum file, which Ratis sends along with it (as one more file of the
   * snapshot), so that the follower checks the bytes as they were written, not as the leader read them.
   */
  private static final class Checksummed extends SingleFileSnapshotInfo {
    private final List<FileInfo> files;

    /** {@code md5}: Ratis' MD5 file of a snapshot it installed, or null for one written here. */
    Checksummed(Path snapshot, MD5Hash md5, TermIndex termIndex) {
      super(new FileInfo(snapshot, md5), termIndex);
      this.files = List.of(getFile(), new FileInfo(SnapshotChecksum.fileFor(snapshot), null));
    }

    @Override
    public FileInfo getFile() {
      return super.getFiles().get(0);
    }

    @Override
    public List<FileInfo> getFiles() {
      return files;
    }
  }

  /**
   * The file's MD5. Not Ratis' {@code MD5FileUtil.computeMd5ForFile}: in 3.3.0 it counts the position
   * in an int and throws past 2 GiB, and a snapshot is as large as the store.
   */
  static MD5Hash md5Of(Path file) throws IOException {
    MessageDigest md5 = MD5FileUtil.newMD5();
    ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
      while (in.read(buffer.clear()) >= 0) {
        md5.update(buffer.flip());
      }
    }
    return MD5Hash.newInstance(md5.digest());
  }

  private List<Path> newestFirst() throws IOException {
    try (Stream<Path> files = Files.list(directory)) {
      return files.filter(f -> SimpleStateMachineStorage.SNAPSHOT_REGEX.matcher(f.getFileName().toString()).matches())
          .sorted(Comparator.comparingLong(StoreSnapshots::index).reversed()).toList();
    }
  }

  private static long index(Path snapshot) {
    return termIndex(snapshot).getIndex();
  }

  private static TermIndex termIndex(Path snapshot) {
    Matcher m = SimpleStateMachineStorage.SNAPSHOT_REGEX.matcher(snapshot.getFileName().toString());
    if (!m.matches()) {
      throw new IllegalArgumentException(snapshot + " is not a snapshot file");
    }
    return TermIndex.valueOf(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
  }

  /**
   * Ratis' storage, except that:
   * <ul>
   *   <li>old snapshots are deleted by the writer once a new one is complete; not when Ratis asks,
   *       right after each {@code takeSnapshot}: that is before the new one is complete, and again
   *       after every batch of entries while it is written;</li>
   *   <li>the latest snapshot is the newest complete one, whichever its checksum file (Ratis' own
   *       prefers any with an MD5 file), and reloading goes back to an older snapshot when the
   *       newest was set aside as damaged (Ratis' own latest snapshot only ever moves forward).</li>
   * </ul>
   */
  private final class Storage extends SimpleStateMachineStorage {
    /**
     * The newest complete snapshot as last read or written; empty: there is none. Null until the
     * directory is read. Ratis asks for it on every append a node sends or receives, so "none" is
     * remembered too: a node without a snapshot used to list the directory each time, half of what
     * a leader's log appenders spent awake (async-profiler, 2026-12-07). Read without a lock;
     * changed under this storage's lock, so that a listing and a snapshot recorded meanwhile cannot
     * leave it at "none".
     */
    private volatile Optional<SingleFileSnapshotInfo> latest;

    @Override
    public void cleanupOldSnapshots(SnapshotRetentionPolicy ignored) {
      // See above.
    }

    @Override
    public SingleFileSnapshotInfo getLatestSnapshot() {
      Optional<SingleFileSnapshotInfo> known = latest;
      return known != null ? known.orElse(null) : loadLatestSnapshot();
    }

    @Override
    public synchronized SingleFileSnapshotInfo updateLatestSnapshot(SingleFileSnapshotInfo info) {
      if (info != null && (latest == null || latest.isEmpty() || info.getIndex() > latest.get().getIndex())) {
        latest = Optional.of(info);
      }
      return getLatestSnapshot();
    }

    /** The newest complete snapshot in the directory, which is the truth: it may be older than the one known so far. */
    @Override
    public synchronized SingleFileSnapshotInfo loadLatestSnapshot() {
      latest = null;
      if (directory == null) {
        return null;
      }
      try {
        for (Path snapshot : newestFirst()) {
          if (isComplete(snapshot)) {
            MD5Hash md5 = MD5FileUtil.readStoredMd5ForFile(snapshot.toFile());
            return updateLatestSnapshot(Files.exists(SnapshotChecksum.fileFor(snapshot))
                ? new Checksummed(snapshot, md5, termIndex(snapshot))
                : new SingleFileSnapshotInfo(new FileInfo(snapshot, md5), termIndex(snapshot)));
          }
        }
        latest = Optional.empty();
        return null;
      } catch (IOException | UncheckedIOException e) {
        // As Ratis' own: this runs on Ratis' threads, also while an installed snapshot replaces the directory.
        // Nothing is remembered, so the next call reads the directory again.
        LOG.warn("reading the snapshots in {} failed", directory, e);
        return null;
      }
    }
  }

  private void syncDirectory() {
    try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
      dir.force(true);
    } catch (IOException e) {
      throw new UncheckedIOException("forcing " + directory + " to disk failed", e);
    }
  }
}
