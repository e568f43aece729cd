package io.sluice.statemachine.changestream;

import io.sluice.protocol.Position;
import io.sluice.statemachine.EntryApplier;
import io.sluice.statemachine.command.LogEntry;
import io.sluice.statemachine.storage.DocumentStore;
import io.sluice.statemachine.storage.MapDbDocumentStore;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.BsonValue;

/** One node's change-stream machinery without Raft: entries are applied in order as the state machine does. */
final class StreamHarness implements AutoCloseable {
  final DocumentStore store;
  final ChangeHub hub;
  final ChangeStreamService service;
  private final EntryApplier applier;
  private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(2);
  private long index;
  long wallTime = 1_700_000_000_000L;

  StreamHarness(DocumentStore store, HistoryWindow window, int tailEntries) {
    this.store = store;
    this.hub = new ChangeHub(store.appliedState().position().index(), tailEntries, 64L << 20, timers);
    this.applier = new EntryApplier(store, window, hub, java.time.Duration.ofMinutes(30));
    this.service = new ChangeStreamService(store, hub, timers, System::nanoTime, Duration.ofMinutes(10), Duration.ofSeconds(1), 42);
    this.index = store.appliedState().position().index();
  }

  StreamHarness() {
    this(MapDbDocumentStore.inMemory(), HistoryWindow.DEFAULT, 1000);
  }

  /** Applies a write as the next log entry of term 1 (indexes skip one now and then, like Raft's own entries do). */
  BsonDocument write(BsonDocument command) {
    index += index % 5 == 4 ? 2 : 1;
    wallTime += 10;
    return applier.apply(new Position(1, index), new LogEntry(wallTime, LogEntry.toBytes(command)));
  }

  BsonDocument insert(String collection, BsonValue id) {
    return write(new BsonDocument("insert", new BsonString(collection)).append("$db", new BsonString("db"))
        .append("documents", new BsonArray(java.util.List.of(new BsonDocument("_id", id)))));
  }

  BsonDocument call(BsonDocument command) {
    return service.execute(command).join();
  }

  static BsonDocument watch(String collection, BsonDocument options) {
    return new BsonDocument("aggregate", new BsonString(collection)).append("$db", new BsonString("db"))
        .append("pipeline", new BsonArray(java.util.List.of(new BsonDocument("$changeStream", options))));
  }

  static BsonDocument getMore(long cursorId, String collection, int maxTimeMs) {
    return new BsonDocument("getMore", new org.bson.BsonInt64(cursorId)).append("collection", new BsonString(collection))
        .append("$db", new BsonString("db")).append("maxTimeMS", new BsonInt32(maxTimeMs));
  }

  @Override
  public void close() {
    service.close();
    timers.shutdownNow();
    store.close();
  }
}
