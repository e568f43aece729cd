package io.sluice.statemachine;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.Position;
import io.sluice.protocol.Replies;
import io.sluice.protocol.SluiceException;
import io.sluice.statemachine.changestream.ChangeHub;
import io.sluice.statemachine.changestream.ChangeRecorder;
import io.sluice.statemachine.changestream.HistoryWindow;
import io.sluice.statemachine.command.ApplyContext;
import io.sluice.statemachine.command.LogEntry;
import io.sluice.statemachine.command.WriteExecutor;
import io.sluice.statemachine.storage.AppliedState;
import io.sluice.statemachine.storage.DocumentStore;
import org.bson.BsonDocument;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies one committed log entry, the same way on every replica: executes its command, records the
 * change events, appends them to the history and trims it, records the applied position, and then
 * publishes the events to waiting streams. A pure function of (store, entry): time comes from the
 * entry, and a command that fails gets an error reply, never an exception. Only a storage failure
 * escapes, and it should stop the node, which can no longer keep up.
 *
 * <p>The store is committed every {@code commitEvery} entries and by {@link #commitIfDirty} (called
 * when the node is quiet), not per entry: a MapDB commit costs milliseconds, and the Raft log
 * already holds every entry after the store's last commit, which Raft replays at start.
 */
public final class EntryApplier {
  private static final Logger LOG = LoggerFactory.getLogger(EntryApplier.class);

  private final DocumentStore store;
  private final WriteExecutor writes;
  private final HistoryWindow window;
  private final ChangeHub hub;
  private final int commitEvery;
  private int sinceCommit;

  public EntryApplier(DocumentStore store, HistoryWindow window, ChangeHub hub, int commitEvery) {
    this.store = store;
    this.writes = new WriteExecutor(store);
    this.window = window;
    this.hub = hub;
    this.commitEvery = commitEvery;
  }

  /** Commits the store if entries were applied since its last commit. */
  public void commitIfDirty() {
    store.writeLock().lock();
    try {
      if (store.hasUncommittedChanges()) {
        store.commit();
        sinceCommit = 0;
      }
    } finally {
      store.writeLock().unlock();
    }
  }

  /** Applies the entry at {@code position}; returns the reply for the writer, with opTime and operationTime. */
  public BsonDocument apply(Position position, LogEntry entry) {
    Applied applied;
    BsonDocument record;
    int recordBytes;
    store.writeLock().lock();
    try {
      ApplyContext context = new ApplyContext(position, entry.wallTimeMillis(),
          ApplyContext.nextClusterTime(store.appliedState().clusterTime(), entry.wallTimeMillis()));
      applied = execute(context, entry);
      record = applied.changes().record();
      recordBytes = store.history().append(position.index(), record);
      window.trim(store.history(), entry.wallTimeMillis());
      store.setApplied(new AppliedState(position, context.clusterTime()));
      if (++sinceCommit >= commitEvery) {
        store.commit();
        sinceCommit = 0;
      }
      applied.reply().append("opTime", position.toBson()).append("operationTime", context.clusterTime());
    } finally {
      store.writeLock().unlock();
    }
    hub.publish(position.index(), record, recordBytes);
    return applied.reply();
  }

  /** An entry's reply and the change events it caused. */
  private record Applied(BsonDocument reply, ChangeRecorder changes) {}

  private Applied execute(ApplyContext context, LogEntry entry) {
    ChangeRecorder changes = new ChangeRecorder(context.position(), context.clusterTime(), entry.wallTimeMillis());
    try {
      return new Applied(writes.apply(context, entry.command(), changes), changes);
    } catch (SluiceException e) {
      return new Applied(Replies.error(e), changes);
    } catch (RuntimeException e) {
      // A bug, and the same one on every replica, with the same partial effects: keep them and their
      // events on every node alike (the store is not transactional per entry), and tell the writer.
      LOG.error("applying the entry at {} failed part way; its effects so far stand on every node", context.position(), e);
      return new Applied(Replies.error(ErrorCode.INTERNAL_ERROR, "applying the write failed part way: " + e), changes);
    }
  }
}
