package io.sluice.statemachine;

import io.sluice.protocol.Position;
import io.sluice.statemachine.storage.DocumentStore;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;

/**
 * Answers Ratis' calls to take a snapshot, in two steps, so that applying stops only while the store
 * is copied (inside the page cache), not while the copy is forced to disk and hashed: a call starts a
 * snapshot and returns no index; the next call after it is durable returns its index, and only then
 * does Ratis purge the log up to it. Ratis asks again only when its threshold is passed or an
 * operator asks, so a finished snapshot asks for that call itself ({@code onWritten}).
 *
 * <p>Ratis asks on its apply thread, so nothing is applied during the copy; it pauses the state
 * machine on another thread, to install a snapshot from the leader. Hence one lock for all.
 */
final class SnapshotTaker {
  private final StoreSnapshots snapshots;
  private final DocumentStore store;
  private final Runnable onWritten;
  private CompletableFuture<SingleFileSnapshotInfo> writing;
  /** The highest snapshot index Ratis knows of: telling it a lower one would stop its apply thread. */
  private long knownToRatis = RaftLog.INVALID_LOG_INDEX;
  private boolean paused;
  /** A finished snapshot asked Ratis for a call to report it; that call must not start another one. */
  private boolean reportAsked;

  /** {@code onWritten} runs when a snapshot is durable, on a thread of its own: it should make Ratis call {@link #take}. */
  SnapshotTaker(StoreSnapshots snapshots, DocumentStore store, Runnable onWritten) {
    this.snapshots = snapshots;
    this.store = store;
    this.onWritten = onWritten;
  }

  /** Ratis loaded this snapshot (at start, or installed from the leader) and applies the log after it. */
  synchronized void loaded(SnapshotInfo snapshot) {
    knownToRatis = snapshot == null ? RaftLog.INVALID_LOG_INDEX : snapshot.getIndex();
    paused = false;
    reportAsked = false;
  }

  /**
   * Ratis' {@code takeSnapshot}: the index of a snapshot now durable, or {@link RaftLog#INVALID_LOG_INDEX}.
   * A snapshot is named by the store's own applied position (not Ratis' applied index, which may be
   * past it by configuration entries, and by metadata entries where log metadata is on: a store
   * restored from the snapshot must not look behind it).
   */
  synchronized long take(TermIndex ratisApplied) throws IOException {
    if (paused || ratisApplied == null) {
      return RaftLog.INVALID_LOG_INDEX;
    }
    if (writing != null) {
      return writing.isDone() ? report(collectWritten()) : RaftLog.INVALID_LOG_INDEX;
    }
    SnapshotInfo latest = snapshots.latest();
    long latestIndex = latest == null ? RaftLog.INVALID_LOG_INDEX : latest.getIndex();
    if (reportAsked) {
      // The call a finished snapshot asked for, or one before it: either way it is reported now.
      // Starting another here would take one snapshot after the other under a steady load.
      reportAsked = false;
      return report(latestIndex);
    }
    Position position = store.appliedState().position();
    // Nothing new, or Ratis is still replaying entries the store already holds.
    if (position.index() <= 0 || position.index() <= latestIndex || position.index() > ratisApplied.getIndex()) {
      return report(latestIndex);
    }
    writing = snapshots.start(TermIndex.valueOf(position.term(), position.index()), store);
    // Not on this thread: asking makes Ratis take its server lock, which an install holds while it pauses this taker.
    writing.thenRunAsync(this::written);
    return RaftLog.INVALID_LOG_INDEX;
  }

  private void written() {
    synchronized (this) {
      reportAsked = true;
    }
    onWritten.run();
  }

  /**
   * Called when Ratis has answered a finished snapshot's request for a call to {@link #take}. Ratis
   * answers without calling when nothing was applied after the snapshot (its creation gap counts from
   * the newest snapshot on disk, this one): then it purges no log either. Returns the snapshot's index
   * for the caller to purge up to in its place, or {@link RaftLog#INVALID_LOG_INDEX} when a call
   * reported it (Ratis purged then).
   */
  synchronized long reportSkipped() throws IOException {
    if (!reportAsked) {
      return RaftLog.INVALID_LOG_INDEX;
    }
    SnapshotInfo latest = snapshots.latest();
    long index = writing != null ? collectWritten() : latest == null ? RaftLog.INVALID_LOG_INDEX : latest.getIndex();
    if (index <= knownToRatis) {
      return RaftLog.INVALID_LOG_INDEX;
    }
    reportAsked = false;
    return report(index);
  }

  private long collectWritten() throws IOException {
    CompletableFuture<SingleFileSnapshotInfo> done = writing;
    writing = null;
    try {
      return done.join().getIndex();
    } catch (CompletionException e) {
      throw new IOException("the snapshot could not be written: " + e.getCause().getMessage(), e.getCause());
    }
  }

  private long report(long index) {
    if (index < knownToRatis) {
      return RaftLog.INVALID_LOG_INDEX;
    }
    knownToRatis = index;
    return index;
  }

  /**
   * Ratis is about to replace the snapshot directory with a snapshot from the leader: a snapshot being
   * written is abandoned (its next step stops it), and none is started until the new one is loaded.
   */
  synchronized void pause() {
    paused = true;
    if (writing != null) {
      snapshots.abandon(writing);
      writing = null;
    }
  }
}
