package io.sluice.statemachine.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import io.sluice.statemachine.storage.MapDbDocumentStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** find and aggregate results larger than a batch, read with getMore. */
class FindCursorsTest {
  private final MapDbDocumentStore store = MapDbDocumentStore.inMemory();
  private final AtomicLong clock = new AtomicLong();
  private final FindCursors cursors = new FindCursors(clock::get, new AtomicLong(42)::incrementAndGet);
  private final QueryExecutor executor = new QueryExecutor(store, cursors);

  @BeforeEach
  void fill() {
    store.createCollection("db.c", new BsonDocument());
    for (int i = 0; i < 250; i++) {
      store.put("db.c", new BsonDocument("_id", new BsonInt32(i)));
    }
  }

  @AfterEach
  void close() {
    store.close();
  }

  private BsonDocument run(String json) {
    return executor.execute(BsonDocument.parse(json));
  }

  private BsonDocument getMore(long id, String extra) {
    return run("{getMore: NumberLong('" + id + "'), collection: 'c', '$db': 'db'" + extra + "}").getDocument("cursor");
  }

  private static List<Integer> ids(BsonDocument cursor, String batch) {
    return cursor.getArray(batch).stream().map(d -> d.asDocument().getInt32("_id").getValue()).toList();
  }

  @Test
  void aFindReturns101ThenTheRestThroughGetMore() {
    BsonDocument first = run("{find: 'c', '$db': 'db'}").getDocument("cursor");
    assertThat(first.getArray("firstBatch")).hasSize(101);
    long id = first.getInt64("id").getValue();
    assertThat(FindCursors.owns(new BsonInt64(id))).isTrue();
    assertThat(cursors.openCursors()).isEqualTo(1);

    BsonDocument next = getMore(id, ", batchSize: 100");
    assertThat(ids(next, "nextBatch")).first().isEqualTo(101);
    assertThat(next.getInt64("id").getValue()).isEqualTo(id);
    BsonDocument last = getMore(id, "");
    assertThat(ids(last, "nextBatch")).hasSize(49).last().isEqualTo(249);
    assertThat(last.getInt64("id").getValue()).as("exhausted").isZero();
    assertThat(cursors.openCursors()).isZero();
    assertFails(() -> getMore(id, ""), ErrorCode.CURSOR_NOT_FOUND, "not found on this node");
  }

  @Test
  void batchSizeLimitAndSingleBatchShapeTheFirstBatch() {
    BsonDocument cursor = run("{find: 'c', '$db': 'db', filter: {_id: {$gte: 10}}, sort: {_id: -1}, batchSize: 2, limit: 5}")
        .getDocument("cursor");
    assertThat(ids(cursor, "firstBatch")).containsExactly(249, 248);
    List<Integer> rest = ids(getMore(cursor.getInt64("id").getValue(), ""), "nextBatch");
    assertThat(rest).containsExactly(247, 246, 245);
    assertThat(run("{find: 'c', '$db': 'db', batchSize: 2, singleBatch: true}").getDocument("cursor").getInt64("id").getValue()).isZero();
    assertFails(() -> run("{find: 'c', '$db': 'db', limit: -3}"), ErrorCode.BAD_VALUE, "find.limit");
    BsonDocument empty = run("{find: 'c', '$db': 'db', batchSize: 0}").getDocument("cursor");
    assertThat(empty.getArray("firstBatch")).isEmpty();
    assertThat(getMore(empty.getInt64("id").getValue(), "").getArray("nextBatch")).hasSize(250);
  }

  @Test
  void anAggregateTakesItsBatchSizeFromCursor() {
    BsonDocument cursor = run("{aggregate: 'c', '$db': 'db', pipeline: [{$match: {_id: {$lt: 5}}}], cursor: {batchSize: 3}}")
        .getDocument("cursor");
    assertThat(ids(cursor, "firstBatch")).containsExactly(0, 1, 2);
    assertThat(ids(getMore(cursor.getInt64("id").getValue(), ""), "nextBatch")).containsExactly(3, 4);
  }

  @Test
  void aBatchHoldsAtMost16MiB() {
    String mebibyte = "x".repeat(1024 * 1024);
    store.createCollection("db.big", new BsonDocument());
    for (int i = 0; i < 20; i++) {
      store.put("db.big", new BsonDocument("_id", new BsonInt32(i)).append("s", new BsonString(mebibyte)));
    }
    BsonDocument first = run("{find: 'big', '$db': 'db'}").getDocument("cursor");
    int inFirst = first.getArray("firstBatch").size();
    assertThat(inFirst).isBetween(1, 15);
    List<BsonValue> all = new ArrayList<>(first.getArray("firstBatch"));
    long id = first.getInt64("id").getValue();
    while (id != 0) {
      BsonDocument next = run("{getMore: NumberLong('" + id + "'), collection: 'big', '$db': 'db'}").getDocument("cursor");
      all.addAll(next.getArray("nextBatch"));
      id = next.getInt64("id").getValue();
    }
    assertThat(all).hasSize(20);
  }

  @Test
  void killedAndIdleCursorsAreGone() {
    long killed = run("{find: 'c', '$db': 'db'}").getDocument("cursor").getInt64("id").getValue();
    long idle = run("{find: 'c', '$db': 'db'}").getDocument("cursor").getInt64("id").getValue();
    BsonDocument reply = run("{killCursors: 'c', cursors: [NumberLong('" + killed + "'), NumberLong(5)], '$db': 'db'}");
    assertThat(reply.getArray("cursorsKilled")).containsExactly(new BsonInt64(killed));
    assertThat(reply.getArray("cursorsNotFound")).containsExactly(new BsonInt64(5));
    assertFails(() -> getMore(killed, ""), ErrorCode.CURSOR_NOT_FOUND, "cursor id");

    clock.addAndGet(FindCursors.IDLE_TIMEOUT.toNanos() + 1);
    assertFails(() -> getMore(idle, ""), ErrorCode.CURSOR_NOT_FOUND, "idle");
    assertThat(cursors.openCursors()).isZero();
  }

  @Test
  void badGetMoresAreRefused() {
    long id = run("{find: 'c', '$db': 'db'}").getDocument("cursor").getInt64("id").getValue();
    assertFails(() -> run("{getMore: NumberLong('" + id + "'), collection: 'other', '$db': 'db'}"), ErrorCode.BAD_VALUE,
        "Requested getMore on namespace 'db.other', but cursor");
    assertFails(() -> run("{getMore: NumberLong('" + id + "'), collection: 'c', '$db': 'other'}"), ErrorCode.BAD_VALUE, "'other.c'");
    assertFails(() -> getMore(id, ", batchSize: -1"), ErrorCode.BAD_VALUE, "Batch size for getMore must be positive");
    assertFails(() -> getMore(id, ", batchSize: 0"), ErrorCode.BAD_VALUE, "Batch size for getMore must be positive");
    assertFails(() -> run("{getMore: 'x', collection: 'c', '$db': 'db'}"), ErrorCode.TYPE_MISMATCH, "getMore takes the id");
    assertFails(() -> run("{find: 'c', batchSize: -2, '$db': 'db'}"), ErrorCode.BAD_VALUE, "find.batchSize");
    assertThat(getMore(id, "").getArray("nextBatch")).as("the cursor survives bad requests").hasSize(149);
  }

  /** The Raft client resends a read whose answer was lost: the node answers a resent getMore with the same batch. */
  @Test
  void aResentGetMoreGetsTheSameBatchAndAnOutOfOrderOneClosesTheCursor() {
    long id = run("{find: 'c', '$db': 'db', batchSize: 10}").getDocument("cursor").getInt64("id").getValue();
    List<Integer> first = ids(getMore(id, ", batchSize: 5, '" + FindCursors.OFFSET + "': 10"), "nextBatch");
    assertThat(first).containsExactly(10, 11, 12, 13, 14);
    assertThat(ids(getMore(id, ", batchSize: 5, '" + FindCursors.OFFSET + "': 10"), "nextBatch")).isEqualTo(first);
    assertThat(ids(getMore(id, ", batchSize: 5, '" + FindCursors.OFFSET + "': 15"), "nextBatch")).containsExactly(15, 16, 17, 18, 19);
    assertFails(() -> getMore(id, ", '" + FindCursors.OFFSET + "': 99"), ErrorCode.CURSOR_NOT_FOUND, "expected the documents from 99");
    assertFails(() -> getMore(id, ""), ErrorCode.CURSOR_NOT_FOUND, "not found");
  }

  @Test
  void aGetMoreThatFailsClosesItsCursor() {
    store.put("db.c", BsonDocument.parse("{_id: 1000, a: [1, 2]}"));
    long id = run("{find: 'c', '$db': 'db', filter: {$or: [{_id: {$lt: 3}}, {a: 2}]}, projection: {'a.$': 1}, batchSize: 1}")
        .getDocument("cursor").getInt64("id").getValue();
    assertFails(() -> getMore(id, ""), ErrorCode.BAD_VALUE, "couldn't find a matching element");
    assertFails(() -> getMore(id, ""), ErrorCode.CURSOR_NOT_FOUND, "not found");
    assertThat(cursors.openCursors()).isZero();
  }

  @Test
  void concurrentGetMoresOfOneCursorHandOutEveryDocumentOnce() throws Exception {
    long id = run("{find: 'c', '$db': 'db', batchSize: 1}").getDocument("cursor").getInt64("id").getValue();
    List<Integer> seen = java.util.Collections.synchronizedList(new ArrayList<>());
    List<ErrorCode> endings = java.util.Collections.synchronizedList(new ArrayList<>());
    List<Thread> readers = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      Thread reader = new Thread(() -> {
        try {
          while (true) {
            seen.addAll(ids(getMore(id, ", batchSize: 3"), "nextBatch"));
          }
        } catch (SluiceException closed) {
          endings.add(closed.errorCode());
        }
      });
      reader.start();
      readers.add(reader);
    }
    for (Thread reader : readers) {
      reader.join();
    }
    assertThat(endings).as("each reader stops when the cursor is gone").hasSize(4).containsOnly(ErrorCode.CURSOR_NOT_FOUND);
    assertThat(seen).hasSize(249).doesNotHaveDuplicates().doesNotContain(0);
  }

  @Test
  void onlyFindCursorCommandsAreRoutedHere() {
    assertThat(FindCursors.handles(BsonDocument.parse("{getMore: NumberLong('4611686018427387905'), collection: 'c'}"))).isTrue();
    assertThat(FindCursors.handles(BsonDocument.parse("{getMore: NumberLong(7), collection: 'c'}"))).isFalse();
    assertThat(FindCursors.handles(BsonDocument.parse("{killCursors: 'c', cursors: [NumberLong('4611686018427387905')]}"))).isTrue();
    assertThat(FindCursors.handles(BsonDocument.parse("{killCursors: 'c', cursors: [NumberLong(7)]}"))).isFalse();
    assertThat(FindCursors.handles(BsonDocument.parse("{find: 'c'}"))).isFalse();
  }

  private static void assertFails(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, ErrorCode code, String fragment) {
    SluiceException e = catchThrowableOfType(SluiceException.class, call);
    assertThat(e).as("expected %s", code).isNotNull();
    assertThat(e.errorCode()).as(e.getMessage()).isEqualTo(code);
    assertThat(e.reason()).contains(fragment);
  }
}
