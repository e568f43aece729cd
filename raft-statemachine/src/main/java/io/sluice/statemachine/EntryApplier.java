package io.sluice.statemachine;

import io.sluice.protocol.BsonBytes;
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
import io.sluice.statemachine.command.WriteSession;
import io.sluice.statemachine.storage.AppliedState;
import io.sluice.statemachine.storage.DocumentStore;
import io.sluice.statemachine.storage.SessionTable;
import io.sluice.statemachine.storage.SessionTable.ClientCall;
import java.time.Duration;
import java.util.Optional;
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
 * <p>A write whose call is its session's latest in the store's {@link SessionTable} is a retry of one
 * applied before (resent after the leader's in-memory retry cache forgot it): it changes nothing and
 * gets the first reply again. One older than its session's latest changes nothing either, and is
 * refused as too old.
 */
public final class EntryApplier {
  private static final Logger LOG = LoggerFactory.getLogger(EntryApplier.class);

  private final DocumentStore store;
  private final WriteExecutor writes;
  private final HistoryWindow window;
  private final ChangeHub hub;
  private final Duration sessionLifetime;

  public EntryApplier(DocumentStore store, HistoryWindow window, ChangeHub hub, Duration sessionLifetime) {
    this.store = store;
    this.writes = new WriteExecutor(store);
    this.window = window;
    this.hub = hub;
    this.sessionLifetime = sessionLifetime;
  }

  /** Applies the entry at {@code position}; returns the reply for the writer. */
  public BsonDocument apply(Position position, LogEntry entry) {
    BsonDocument reply;
    BsonDocument record;
    int recordBytes;
    long trimmedThrough;
    store.writeLock().lock();
    try {
      ApplyContext context = new ApplyContext(position, entry.wallTimeMillis(),
          ApplyContext.nextClusterTime(store.appliedState().clusterTime(), entry.wallTimeMillis()));
      SessionTable sessions = store.sessions();
      sessions.expireBefore(entry.wallTimeMillis() - sessionLifetime.toMillis());
      Optional<ClientCall> call = Optional.empty();
      Optional<BsonDocument> answered = Optional.empty();
      Applied applied;
      try {
        BsonDocument command = entry.command();
        call = WriteSession.callOf(command);
        answered = call.flatMap(sessions::answered);
        applied = answered.isPresent() ? new Applied(answered.get(), noChanges(context, entry)) : execute(context, entry, command);
      } catch (SluiceException malformed) {
        // Not BSON, or malformed session fields: refused, not applied, and no call to remember it by.
        applied = new Applied(Replies.error(malformed), noChanges(context, entry));
      }
      record = applied.changes().record();
      recordBytes = store.history().append(position.index(), record);
      window.trim(store.history(), entry.wallTimeMillis());
      trimmedThrough = store.history().trimmedThrough();
      store.setApplied(new AppliedState(position, context.clusterTime()));
      reply = applied.reply();
      if (answered.isEmpty()) {
        reply.append("opTime", position.toBson()).append("operationTime", context.clusterTime());
        reply = BsonBytes.raw(reply); // encoded once, for the session table and for the writer's message
        BsonDocument first = reply;
        call.ifPresent(c -> sessions.record(c, entry.wallTimeMillis(), first));
      }
    } finally {
      store.writeLock().unlock();
    }
    hub.publish(position.index(), record, recordBytes, trimmedThrough);
    return reply;
  }

  private static ChangeRecorder noChanges(ApplyContext context, LogEntry entry) {
    return new ChangeRecorder(context.position(), context.clusterTime(), entry.wallTimeMillis());
  }

  /** An entry's reply and the change events it caused. */
  private record Applied(BsonDocument reply, ChangeRecorder changes) {}

  private Applied execute(ApplyContext context, LogEntry entry, BsonDocument command) {
    ChangeRecorder changes = noChanges(context, entry);
    try {
      return new Applied(writes.apply(context, command, changes), changes);
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
