package io.sluice.statemachine.changestream;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.Replies;
import io.sluice.protocol.ResumeToken;
import io.sluice.statemachine.storage.ChangeHistory;
import io.sluice.statemachine.storage.DocumentStore;
import io.sluice.statemachine.storage.MapDbDocumentStore;
import java.lang.reflect.Proxy;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.junit.jupiter.api.Test;

class ChangeStreamServiceTest {

  /** A store whose history reads are counted, one for each lookup or seek and one for each record iterated: the fan-out claims are about them. */
  @SuppressWarnings("unchecked")
  static DocumentStore countingHistoryReads(DocumentStore store, AtomicInteger reads) {
    ChangeHistory history = store.history();
    ChangeHistory counting = (ChangeHistory) Proxy.newProxyInstance(ChangeHistory.class.getClassLoader(),
        new Class<?>[] {ChangeHistory.class}, (proxy, method, args) -> {
          if (method.getName().equals("after") || method.getName().equals("at")) {
            reads.incrementAndGet();
          }
          Object result = method.invoke(history, args);
          if (method.getName().equals("after")) {
            java.util.Iterator<Object> records = (java.util.Iterator<Object>) result;
            return new java.util.Iterator<Object>() {
              @Override
              public boolean hasNext() {
                return records.hasNext();
              }

              @Override
              public Object next() {
                reads.incrementAndGet();
                return records.next();
              }
            };
          }
          return result;
        });
    return (DocumentStore) Proxy.newProxyInstance(DocumentStore.class.getClassLoader(), new Class<?>[] {DocumentStore.class},
        (proxy, method, args) -> method.getName().equals("history") ? counting : method.invoke(store, args));
  }

  @Test
  void tenThousandStreamsOnOneNodeShareTheTailWithoutReadingTheStore() {
    AtomicInteger historyReads = new AtomicInteger();
    try (StreamHarness node = new StreamHarness(countingHistoryReads(MapDbDocumentStore.inMemory(), historyReads),
        HistoryWindow.DEFAULT, 1000)) {
      node.insert("c", new BsonInt32(0));
      Set<Long> cursorIds = new HashSet<>();
      for (int i = 0; i < 10_000; i++) {
        BsonDocument reply = Replies.check(node.call(StreamHarness.watch("c", new BsonDocument())));
        cursorIds.add(reply.getDocument("cursor").getInt64("id").getValue());
      }
      assertThat(cursorIds).hasSize(10_000);
      assertThat(node.service.openCursors()).isEqualTo(10_000);
      int readsAfterOpening = historyReads.get();
      assertThat(readsAfterOpening).as("a stream opened at \"now\" starts from the tail's newest record").isZero();

      node.insert("c", new BsonInt32(1));
      int delivered = 0;
      for (long id : cursorIds) {
        BsonDocument reply = Replies.check(node.call(StreamHarness.getMore(id, "c", 0)));
        delivered += reply.getDocument("cursor").getArray("nextBatch").size();
      }
      assertThat(delivered).isEqualTo(10_000);
      assertThat(node.service.eventsDelivered()).as("the metric counts what the batches carried").isEqualTo(10_000);
      // Every stream read the new event from the shared tail: no store read per stream.
      assertThat(historyReads.get()).isEqualTo(readsAfterOpening);
    }
  }

  @Test
  void aWaitingGetMoreIsWokenByTheNextEntryNotByItsTimeout() {
    try (StreamHarness node = new StreamHarness()) {
      long id = Replies.check(node.call(StreamHarness.watch("c", new BsonDocument()))).getDocument("cursor").getInt64("id").getValue();
      CompletableFuture<BsonDocument> waiting = node.service.execute(StreamHarness.getMore(id, "c", 10_000));
      assertThat(waiting).isNotDone();
      node.insert("c", new BsonInt32(7));
      BsonDocument reply = Replies.check(waiting.orTimeout(5, java.util.concurrent.TimeUnit.SECONDS).join());
      assertThat(reply.getDocument("cursor").getArray("nextBatch")).hasSize(1);
    }
  }

  @Test
  void aStreamBehindTheTailReadsTheStoreAndSeesEveryEvent() {
    try (StreamHarness node = new StreamHarness(MapDbDocumentStore.inMemory(), HistoryWindow.DEFAULT, 3)) {
      BsonDocument open = Replies.check(node.call(StreamHarness.watch("c", new BsonDocument())));
      ResumeToken start = ResumeToken.fromBson(open.getDocument("cursor").get("postBatchResumeToken"));
      for (int i = 0; i < 20; i++) {
        node.insert("c", new BsonInt32(i));
      }
      BsonDocument resumed = Replies.check(node.call(StreamHarness.watch("c", new BsonDocument("resumeAfter", start.toBson()))));
      assertThat(resumed.getDocument("cursor").getArray("firstBatch")).hasSize(20);
    }
  }

  @Test
  void resumingBeforeTheHistoryWindowFailsWithHistoryLost() {
    try (StreamHarness node = new StreamHarness(MapDbDocumentStore.inMemory(), new HistoryWindow(5, 1L << 30, Optional.empty()), 100)) {
      BsonDocument first = node.insert("c", new BsonInt32(0));
      ResumeToken old = ResumeToken.event(1, first.getDocument("opTime").getInt64("index").getValue(), 0);
      for (int i = 1; i < 10; i++) {
        node.insert("c", new BsonInt32(i));
      }
      assertThat(node.store.history().count()).isEqualTo(5);
      BsonDocument reply = node.call(StreamHarness.watch("c", new BsonDocument("resumeAfter", old.toBson())));
      assertThat(Replies.toException(reply).errorCode()).isEqualTo(ErrorCode.CHANGE_STREAM_HISTORY_LOST);
      assertThat(node.service.historyLostErrors()).isEqualTo(1);
    }
  }

  @Test
  void aStreamThatFallsBehindTheHistoryWindowEndsWithHistoryLostNotAGap() {
    try (StreamHarness node = new StreamHarness(MapDbDocumentStore.inMemory(), new HistoryWindow(5, 1L << 30, Optional.empty()), 2)) {
      node.insert("c", new BsonInt32(0));
      long cursor = Replies.check(node.call(StreamHarness.watch("c", new BsonDocument()))).getDocument("cursor").getInt64("id").getValue();
      for (int i = 1; i <= 10; i++) {
        node.insert("c", new BsonInt32(i));
      }

      BsonDocument reply = node.call(StreamHarness.getMore(cursor, "c", 0));

      assertThat(Replies.toException(reply).errorCode()).isEqualTo(ErrorCode.CHANGE_STREAM_HISTORY_LOST);
      assertThat(Replies.toException(reply).getMessage()).contains("this stream's next record is after index");
      assertThat(node.service.historyLostErrors()).isEqualTo(1);
      assertThat(node.service.openCursors()).isZero();
    }
  }

  @Test
  void opensAtNowOrAfterARecentTokenDoNotWaitForTheApplyThread() throws Exception {
    try (StreamHarness node = new StreamHarness()) {
      BsonDocument written = node.insert("c", new BsonInt32(0));
      ResumeToken recent = ResumeToken.event(1, written.getDocument("opTime").getInt64("index").getValue(), 0);
      java.util.concurrent.ExecutorService applyThread = java.util.concurrent.Executors.newSingleThreadExecutor();
      java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
      try {
        // The apply thread holds the store's write lock, as it does while it applies an entry.
        java.util.concurrent.CountDownLatch locked = new java.util.concurrent.CountDownLatch(1);
        applyThread.execute(() -> {
          node.store.writeLock().lock();
          try {
            locked.countDown();
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } finally {
            node.store.writeLock().unlock();
          }
        });
        locked.await();

        CompletableFuture<BsonDocument> atNow = CompletableFuture.supplyAsync(() -> node.call(StreamHarness.watch("c", new BsonDocument())));
        CompletableFuture<BsonDocument> afterToken = CompletableFuture.supplyAsync(
            () -> node.call(StreamHarness.watch("c", new BsonDocument("resumeAfter", recent.toBson()))));

        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> atNow.isDone() && afterToken.isDone());
        assertThat(Replies.check(atNow.join()).getDocument("cursor").getArray("firstBatch")).isEmpty();
        assertThat(ResumeToken.fromBson(Replies.check(atNow.join()).getDocument("cursor").get("postBatchResumeToken")).index())
            .isEqualTo(recent.index());
        assertThat(Replies.check(afterToken.join()).getDocument("cursor").getArray("firstBatch")).isEmpty();
      } finally {
        release.countDown();
        applyThread.shutdown();
      }
    }
  }

  @Test
  void aStreamOpenedAfterTheClientsLastWriteWaitsForItAndStartsAfterIt() {
    try (StreamHarness node = new StreamHarness()) {
      node.insert("c", new BsonInt32(0));
      long next = node.hub.lastPublished() + 1; // the harness's next write, acknowledged elsewhere but not applied here yet
      BsonDocument afterIt = StreamHarness.watch("c", new BsonDocument())
          .append("readConcern", new BsonDocument("afterOpTime", new io.sluice.protocol.Position(1, next).toBson()));

      CompletableFuture<BsonDocument> open = node.service.execute(afterIt);
      assertThat(open).as("waits until this node has applied the client's write").isNotDone();
      node.insert("c", new BsonInt32(1));

      BsonDocument cursor = Replies.check(open.orTimeout(5, java.util.concurrent.TimeUnit.SECONDS).join()).getDocument("cursor");
      assertThat(cursor.getArray("firstBatch")).as("the client's own write is before the stream").isEmpty();
      assertThat(ResumeToken.fromBson(cursor.get("postBatchResumeToken")).index()).isEqualTo(next);
    }
  }

  @Test
  void aNodeThatDoesNotReachTheClientsLastWriteInTimeSaysSoAndKeepsNoWait() {
    try (StreamHarness node = new StreamHarness()) {
      node.insert("c", new BsonInt32(0));
      BsonDocument farAhead = StreamHarness.watch("c", new BsonDocument())
          .append("readConcern", new BsonDocument("afterOpTime", new io.sluice.protocol.Position(1, 1_000).toBson()));

      BsonDocument reply = node.service.execute(farAhead).orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join();

      assertThat(Replies.toException(reply).errorCode()).isEqualTo(ErrorCode.NOT_YET_APPLIED);
      assertThat(Replies.toException(reply).getMessage()).contains("did not reach index 1000");
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> node.hub.waiting() == 0);
      assertThat(node.service.openCursors()).isZero();
    }
  }

  @Test
  void aReadConcernThatIsNotAnOpTimeIsRefusedWithItsName() {
    try (StreamHarness node = new StreamHarness()) {
      for (BsonDocument readConcern : List.of(new BsonDocument("afterOpTime", new BsonString("1:5")),
          new BsonDocument("afterOpTime", new BsonDocument("term", new BsonInt64(1))),
          new BsonDocument("afterOpTime", new BsonDocument("term", new BsonInt64(1)).append("index", new BsonInt64(-1))))) {
        BsonDocument reply = node.call(StreamHarness.watch("c", new BsonDocument()).append("readConcern", readConcern));
        assertThat(Replies.toException(reply).errorCode()).isEqualTo(ErrorCode.TYPE_MISMATCH);
        assertThat(Replies.toException(reply).getMessage()).contains("readConcern.afterOpTime");
      }
      BsonDocument notADocument = node.call(StreamHarness.watch("c", new BsonDocument()).append("readConcern", new BsonString("majority")));
      assertThat(Replies.toException(notADocument).getMessage()).contains("aggregate.readConcern must be a document");
      BsonDocument level = node.call(StreamHarness.watch("c", new BsonDocument())
          .append("readConcern", new BsonDocument("level", new BsonString("majority"))));
      assertThat(Replies.check(level).getDocument("cursor").getInt64("id").getValue()).as("a level alone opens at now").isPositive();
    }
  }

  @Test
  void aStartTimeInTheFutureShowsOnlyWhatIsWrittenFromThatTimeOn() {
    try (StreamHarness node = new StreamHarness()) {
      node.insert("c", new BsonInt32(0));
      org.bson.BsonTimestamp aMinuteAhead = new org.bson.BsonTimestamp((int) (node.wallTime / 1000) + 60, 0);
      BsonDocument open = Replies.check(node.call(StreamHarness.watch("c", new BsonDocument("startAtOperationTime", aMinuteAhead))));
      long cursor = open.getDocument("cursor").getInt64("id").getValue();
      assertThat(open.getDocument("cursor").getArray("firstBatch")).isEmpty();

      long before = node.insert("c", new BsonInt32(1)).getDocument("opTime").getInt64("index").getValue();
      BsonDocument quiet = Replies.check(node.call(StreamHarness.getMore(cursor, "c", 0))).getDocument("cursor");
      assertThat(quiet.getArray("nextBatch")).as("written before the start time").isEmpty();
      assertThat(ResumeToken.fromBson(quiet.get("postBatchResumeToken")).index()).isEqualTo(before);

      node.wallTime += 120_000;
      node.insert("c", new BsonInt32(2));
      BsonArray events = Replies.check(node.call(StreamHarness.getMore(cursor, "c", 0))).getDocument("cursor").getArray("nextBatch");
      assertThat(events).extracting(e -> e.asDocument().getDocument("documentKey").getInt32("_id").getValue()).containsExactly(2);
    }
  }

  @Test
  void eachOpenStreamIsListedByWhatItWatches() {
    try (StreamHarness node = new StreamHarness()) {
      Replies.check(node.call(StreamHarness.watch("c", new BsonDocument())));
      BsonDocument database = StreamHarness.watch("c", new BsonDocument());
      database.put("aggregate", new BsonInt32(1));
      Replies.check(node.call(database));
      BsonDocument cluster = StreamHarness.watch("c", new BsonDocument("allChangesForCluster", org.bson.BsonBoolean.TRUE));
      cluster.put("aggregate", new BsonInt32(1));
      cluster.put("$db", new org.bson.BsonString("admin"));
      Replies.check(node.call(cluster));
      assertThat(node.service.mostBehind(10, node.wallTime)).extracting(ChangeStreamService.StreamView::namespace)
          .containsExactlyInAnyOrder("db.c", "db.*", "*");
    }
  }

  @Test
  void theLagOfTheFurthestBehindStreamIsItsUnreadEntriesAndTheAgeOfTheOldest() {
    try (StreamHarness node = new StreamHarness()) {
      BsonDocument opened = Replies.check(node.call(StreamHarness.watch("c", new BsonDocument()))).getDocument("cursor");
      long behind = opened.getInt64("id").getValue();
      long openedAt = ResumeToken.fromBson(opened.get("postBatchResumeToken")).index();
      long reading = Replies.check(node.call(StreamHarness.watch("c", new BsonDocument()))).getDocument("cursor").getInt64("id").getValue();
      assertThat(node.service.lag(0)).isEqualTo(new ChangeStreamService.Lag(0, 0));
      long firstWrittenAt = node.wallTime + 10;
      long last = 0;
      for (int i = 0; i < 5; i++) {
        last = node.insert("c", new BsonInt32(i)).getDocument("opTime").getInt64("index").getValue();
      }
      Replies.check(node.call(StreamHarness.getMore(reading, "c", 0)));
      assertThat(node.service.lag(firstWrittenAt + 2500)).as("the stream that read nothing, 2.5 s after the first write")
          .isEqualTo(new ChangeStreamService.Lag(last - openedAt, 2.5));

      Replies.check(node.call(StreamHarness.getMore(behind, "c", 0)));
      assertThat(node.service.lag(firstWrittenAt + 2500)).isEqualTo(new ChangeStreamService.Lag(0, 0));

      // A getMore waiting for its collection is not behind, whatever else is written meanwhile.
      CompletableFuture<BsonDocument> waiting = node.service.execute(StreamHarness.getMore(behind, "c", 10_000));
      node.insert("other", new BsonInt32(1));
      assertThat(waiting).isNotDone();
      assertThat(node.service.mostBehind(10, firstWrittenAt + 2500)).as("the stream not waiting trails by the other collection's write")
          .extracting(ChangeStreamService.StreamView::cursorId).containsExactly(reading, behind);
      assertThat(node.service.mostBehind(10, firstWrittenAt + 2500).get(1).lag()).isEqualTo(new ChangeStreamService.Lag(0, 0));
    }
  }

  @Test
  void aGetMoreOnAnUnknownCursorIsCursorNotFoundAndRetryable() {
    try (StreamHarness node = new StreamHarness()) {
      BsonDocument reply = node.call(StreamHarness.getMore(12345, "c", 0));
      assertThat(Replies.toException(reply).errorCode()).isEqualTo(ErrorCode.CURSOR_NOT_FOUND);
      assertThat(Replies.toException(reply).isRetryable()).isTrue();
    }
  }

  @Test
  void badOptionsAreRejectedWithTheirNames() {
    try (StreamHarness node = new StreamHarness()) {
      assertThat(Replies.toException(node.call(StreamHarness.watch("c", new BsonDocument("fullDocument", new org.bson.BsonString("sometimes")))))
          .reason()).contains("sometimes");
      assertThat(Replies.toException(node.call(StreamHarness.watch("c", new BsonDocument("frobnicate", new BsonInt32(1)))))
          .errorCode()).isEqualTo(ErrorCode.UNKNOWN_FIELD);
      assertThat(Replies.toException(node.call(StreamHarness.watch("c", new BsonDocument("resumeAfter", new BsonDocument("_data",
          new org.bson.BsonString("zz")))))).errorCode()).isEqualTo(ErrorCode.INVALID_RESUME_TOKEN);
      BsonDocument tooLong = StreamHarness.getMore(1, "c", 60_000);
      long id = Replies.check(node.call(StreamHarness.watch("c", new BsonDocument()))).getDocument("cursor").getInt64("id").getValue();
      tooLong.put("getMore", new org.bson.BsonInt64(id));
      assertThat(Replies.toException(node.call(tooLong)).reason()).contains("60000");
    }
  }

  @Test
  void aWriteWakesOnlyTheStreamsOfItsCollectionAndTimedOutWaitsLeaveNothingParked() throws Exception {
    try (StreamHarness node = new StreamHarness()) {
      long onA = Replies.check(node.call(StreamHarness.watch("a", new BsonDocument()))).getDocument("cursor").getInt64("id").getValue();
      long onB = Replies.check(node.call(StreamHarness.watch("b", new BsonDocument()))).getDocument("cursor").getInt64("id").getValue();
      CompletableFuture<BsonDocument> waitingA = node.service.execute(StreamHarness.getMore(onA, "a", 10_000));
      CompletableFuture<BsonDocument> waitingB = node.service.execute(StreamHarness.getMore(onB, "b", 300));
      node.insert("a", new BsonInt32(1));
      assertThat(Replies.check(waitingA.get(5, java.util.concurrent.TimeUnit.SECONDS)).getDocument("cursor").getArray("nextBatch")).hasSize(1);
      // b's getMore was not woken by a's write: it ends at its own timeout, with nothing, and leaves no waiter behind.
      BsonDocument b = Replies.check(waitingB.get(5, java.util.concurrent.TimeUnit.SECONDS));
      assertThat(b.getDocument("cursor").getArray("nextBatch")).isEmpty();
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> node.hub.waiting() == 0);
    }
  }

  @Test
  void aReadThatTheTailOutrunsGoesOnFromTheStoreWithoutAGap() {
    AtomicReference<Runnable> onLookup = new AtomicReference<>();
    DocumentStore store = MapDbDocumentStore.inMemory();
    DocumentStore lookingUp = (DocumentStore) Proxy.newProxyInstance(DocumentStore.class.getClassLoader(), new Class<?>[] {DocumentStore.class},
        (proxy, method, args) -> {
          Runnable hook = method.getName().equals("find") ? onLookup.getAndSet(null) : null;
          if (hook != null) {
            hook.run();
          }
          return method.invoke(store, args);
        });
    // A tail of three records: the three updates below, and nothing older.
    try (StreamHarness node = new StreamHarness(lookingUp, HistoryWindow.DEFAULT, 3)) {
      for (int id = 1; id <= 3; id++) {
        node.insert("c", new BsonInt32(id));
      }
      long cursor = Replies.check(node.call(StreamHarness.watch("c", new BsonDocument("fullDocument", new BsonString("updateLookup")))))
          .getDocument("cursor").getInt64("id").getValue();
      for (int id = 1; id <= 3; id++) {
        node.write(new BsonDocument("update", new BsonString("c")).append("$db", new BsonString("db")).append("updates", new BsonArray(List.of(
            new BsonDocument("q", new BsonDocument("_id", new BsonInt32(id))).append("u", BsonDocument.parse("{$set: {v: 1}}"))))));
      }
      // While the stream looks up the first update's document, newer records push the other two out of the tail.
      onLookup.set(() -> {
        long next = node.hub.lastPublished();
        for (int i = 1; i <= 3; i++) {
          node.hub.publish(next + i, new BsonDocument("term", new BsonInt64(1)).append("events", new BsonArray()), 10, 0);
        }
      });

      BsonArray events = Replies.check(node.call(StreamHarness.getMore(cursor, "c", 0))).getDocument("cursor").getArray("nextBatch");

      assertThat(onLookup.get()).as("the tail was outrun mid-read").isNull();
      assertThat(events).extracting(e -> e.asDocument().getDocument("documentKey").getInt32("_id").getValue()).containsExactly(1, 2, 3);
    }
  }

  @Test
  void killingAStreamEndsItsWaitingGetMoreAtOnceWithCursorKilled() {
    try (StreamHarness node = new StreamHarness()) {
      long cursor = Replies.check(node.call(StreamHarness.watch("c", new BsonDocument()).append("pipeline", new BsonArray(List.of(
          new BsonDocument("$changeStream", new BsonDocument()), BsonDocument.parse("{$match: {'documentKey._id': 7}}"))))))
          .getDocument("cursor").getInt64("id").getValue();
      CompletableFuture<BsonDocument> waiting = node.service.execute(StreamHarness.getMore(cursor, "c", 10_000));
      assertThat(node.hub.waiting()).isEqualTo(1);

      Replies.check(node.call(new BsonDocument("killCursors", new BsonString("c")).append("cursors", new BsonArray(List.of(new BsonInt64(cursor))))
          .append("$db", new BsonString("db"))));

      // Well before its 10 s await: the kill ends the wait, and the getMore reads nothing more.
      BsonDocument reply = waiting.orTimeout(5, java.util.concurrent.TimeUnit.SECONDS).join();
      assertThat(Replies.toException(reply).errorCode()).isEqualTo(ErrorCode.CURSOR_KILLED);
      assertThat(node.hub.waiting()).isZero();
      assertThat(node.hub.trackedPinValues()).isZero();
    }
  }

  /** Unlike a kill, a node stopping ends a waiting getMore with an error its client resumes from, on another node. */
  @Test
  void aNodeStoppingEndsAWaitingGetMoreWithAResumableError() {
    StreamHarness node = new StreamHarness();
    try {
      long cursor = Replies.check(node.call(StreamHarness.watch("c", new BsonDocument()))).getDocument("cursor").getInt64("id").getValue();
      CompletableFuture<BsonDocument> waiting = node.service.execute(StreamHarness.getMore(cursor, "c", 10_000));

      node.service.close();

      BsonDocument reply = waiting.orTimeout(5, java.util.concurrent.TimeUnit.SECONDS).join();
      assertThat(Replies.toException(reply).errorCode()).isEqualTo(ErrorCode.SHUTDOWN_IN_PROGRESS);
      assertThat(Replies.toException(reply).isRetryable()).isTrue();
    } finally {
      node.close();
    }
  }
}
