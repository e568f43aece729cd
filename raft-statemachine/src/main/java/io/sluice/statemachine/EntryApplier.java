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
 * change events, appends them to the history and trims it, commits all of it with the applied
 * position, and then publishes the events to waiting streams. A pure function of (store, entry):
 * time comes from the entry, and a command that fails gets an error reply, never an exception.
 * Only a storage failure escapes, and it should stop the node, which can no longer keep up.
 */
public final class EntryApplier {
  private static final Logger LOG = LoggerFactory.getLogger(EntryApplier.class);

  private final DocumentStore store;
  private final WriteExecutor writes;
  private final HistoryWindow window;
  private final ChangeHub hub;

  public EntryApplier(DocumentStore store, HistoryWindow window, ChangeHub hub) {
    this.store = store;
    this.writes = new WriteExecutor(store);
    this.window = window;
    this.hub = hub;
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
      store.commit(new AppliedState(position, context.clusterTime()));
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
      // A bug, and the same one on every replica: undo the entry's partial effects everywhere alike.
      // The entry keeps an (empty) history record, so its position stays resumable.
      store.rollback();
      LOG.error("applying the entry at {} failed; its effects were rolled back", context.position(), e);
      return new Applied(Replies.error(ErrorCode.INTERNAL_ERROR, "applying the write failed: " + e),
          new ChangeRecorder(context.position(), context.clusterTime(), entry.wallTimeMillis()));
    }
  }
}
