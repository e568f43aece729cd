package io.sluice.statemachine;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.Position;
import io.sluice.protocol.Replies;
import io.sluice.statemachine.changestream.ChangeHub;
import io.sluice.statemachine.changestream.HistoryWindow;
import io.sluice.statemachine.command.LogEntry;
import io.sluice.statemachine.storage.MapDbDocumentStore;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.UuidRepresentation;
import org.junit.jupiter.api.Test;

/** Retryable writes through the apply path: each session's writes are applied once, in their order, and an older one not at all. */
class EntryApplierSessionsTest {
  private final MapDbDocumentStore store = MapDbDocumentStore.inMemory();
  private final EntryApplier applier = new EntryApplier(store, HistoryWindow.DEFAULT, new ChangeHub(0, 100, 1L << 20, Runnable::run),
      Duration.ofMinutes(30));
  private final BsonDocument session = new BsonDocument("id", new BsonBinary(UUID.randomUUID(), UuidRepresentation.STANDARD));
  private long index;

  EntryApplierSessionsTest() {
    apply(new BsonDocument("insert", new BsonString("c")).append("$db", new BsonString("db"))
        .append("documents", new BsonArray(List.of(new BsonDocument("_id", new BsonInt32(1)).append("n", new BsonInt32(0))))));
  }

  @Test
  void aRetryOfASessionsLatestWriteGetsTheFirstReplyAndIsNotAppliedAgain() {
    BsonDocument first = apply(increment(session, 1));
    BsonDocument retry = apply(increment(session, 1));

    assertThat(retry).isEqualTo(first);
    assertThat(counter()).isEqualTo(1);
    assertThat(updates()).as("the retry changed nothing").isEqualTo(1);
  }

  @Test
  void aWriteOlderThanItsSessionsLatestIsRefusedAsTooOldAndNotApplied() {
    apply(increment(session, 4));
    apply(increment(session, 5));

    BsonDocument late = apply(increment(session, 3));

    assertThat(Replies.toException(late).errorCode()).isEqualTo(ErrorCode.TRANSACTION_TOO_OLD);
    assertThat(counter()).isEqualTo(2);
    assertThat(updates()).isEqualTo(2);
    assertThat(apply(increment(session, 6)).getNumber("ok").intValue()).as("the session goes on").isEqualTo(1);
    assertThat(counter()).isEqualTo(3);
  }

  @Test
  void sessionsAreIndependentAndWritesWithoutSessionFieldsAreAppliedEachTime() {
    BsonDocument other = new BsonDocument("id", new BsonBinary(UUID.randomUUID(), UuidRepresentation.STANDARD));
    apply(increment(session, 9));
    apply(increment(other, 1));
    apply(increment(null, 0));
    apply(increment(null, 0));

    assertThat(counter()).isEqualTo(4);
    assertThat(store.sessions().count()).isEqualTo(2);
  }

  private BsonDocument apply(BsonDocument command) {
    index++;
    return applier.apply(new Position(1, index), new LogEntry(1_700_000_000_000L + index, LogEntry.toBytes(command)));
  }

  private static BsonDocument increment(BsonDocument lsid, long txnNumber) {
    BsonDocument command = new BsonDocument("update", new BsonString("c")).append("$db", new BsonString("db"))
        .append("updates", new BsonArray(List.of(new BsonDocument("q", new BsonDocument("_id", new BsonInt32(1)))
            .append("u", new BsonDocument("$inc", new BsonDocument("n", new BsonInt32(1)))))));
    return lsid == null ? command : command.append("lsid", lsid).append("txnNumber", new BsonInt64(txnNumber));
  }

  private int counter() {
    return store.find("db.c", new BsonInt32(1)).orElseThrow().getInt32("n").getValue();
  }

  /** Update events in the change history. */
  private long updates() {
    long[] updates = {0};
    store.history().after(0).forEachRemaining(e -> e.getValue().getArray("events").forEach(event ->
        updates[0] += event.asDocument().getString("operationType").getValue().equals("update") ? 1 : 0));
    return updates[0];
  }
}
