package io.sluice.node;

import static com.mongodb.client.model.Filters.eq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.mongodb.client.model.Aggregates;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import com.mongodb.client.model.changestream.FullDocument;
import com.mongodb.client.model.changestream.FullDocumentBeforeChange;
import com.mongodb.client.model.changestream.OperationType;
import io.sluice.client.ChangeStreamCursor;
import io.sluice.client.ChangeStreamDocument;
import io.sluice.client.ChangeStreamException;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceCollection;
import io.sluice.client.SluiceDatabase;
import io.sluice.client.WriteResult;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.ResumeToken;
import io.sluice.protocol.SluiceException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Change stream semantics against a real 3-node cluster; each test uses its own database. */
class ChangeStreamTest {
  @TempDir
  static Path dir;
  static LocalCluster cluster;
  static SluiceClient client;

  @BeforeAll
  static void start() {
    cluster = LocalCluster.start(dir, 3);
    client = cluster.client();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static List<ChangeStreamDocument> take(ChangeStreamCursor<ChangeStreamDocument> cursor, int n) {
    List<ChangeStreamDocument> events = new ArrayList<>();
    while (events.size() < n) {
      events.add(cursor.next());
    }
    return events;
  }

  @Test
  void aFollowerServesInsertUpdateReplaceAndDeleteEventsInMongoDbShape() {
    SluiceCollection orders = client.getDatabase("cs1").getCollection("orders");
    try (ChangeStreamCursor<ChangeStreamDocument> cursor = orders.watch().cursor()) {
      String follower = cursor.servingNode();
      assertThat(cluster.node(cluster.awaitLeader()).config().address()).isNotEqualTo(follower);
      orders.insertOne(new Document("_id", 1).append("status", "pending").append("total", 10));
      orders.updateOne(eq("_id", 1), Updates.combine(Updates.set("status", "paid"), Updates.unset("total")));
      orders.replaceOne(eq("_id", 1), new Document("_id", 1).append("status", "replaced"));
      orders.deleteOne(eq("_id", 1));

      List<ChangeStreamDocument> events = take(cursor, 4);
      assertThat(events).extracting(ChangeStreamDocument::getOperationType)
          .containsExactly(OperationType.INSERT, OperationType.UPDATE, OperationType.REPLACE, OperationType.DELETE);
      ChangeStreamDocument insert = events.get(0);
      assertThat(insert.getFullDocument()).isEqualTo(new Document("_id", 1).append("status", "pending").append("total", 10));
      assertThat(insert.getNamespace().getFullName()).isEqualTo("cs1.orders");
      assertThat(insert.getDocumentKey().toJson()).isEqualTo("{\"_id\": 1}");
      assertThat(insert.getClusterTime()).isNotNull();
      assertThat(insert.getWallTime()).isNotNull();
      assertThat(insert.getDocument().keySet()).containsExactly("_id", "operationType", "clusterTime", "wallTime", "fullDocument", "ns", "documentKey");
      ChangeStreamDocument update = events.get(1);
      assertThat(update.getUpdateDescription().getUpdatedFields().toJson()).isEqualTo("{\"status\": \"paid\"}");
      assertThat(update.getUpdateDescription().getRemovedFields()).containsExactly("total");
      assertThat(update.getFullDocument()).isNull();
      assertThat(events.get(2).getFullDocument()).isEqualTo(new Document("_id", 1).append("status", "replaced"));
      assertThat(events.get(3).getFullDocument()).isNull();
      // Events come in log order, each after the one before.
      for (int i = 1; i < events.size(); i++) {
        assertThat(events.get(i).getResumeToken()).isGreaterThan(events.get(i - 1).getResumeToken());
      }
    }
  }

  @Test
  void updateLookupShowsTheCurrentDocumentAndImagesShowBeforeAndAfter() {
    SluiceDatabase db = client.getDatabase("cs2");
    db.createCollection("imaged", true);
    SluiceCollection imaged = db.getCollection("imaged");
    SluiceCollection plain = db.getCollection("plain");
    try (ChangeStreamCursor<ChangeStreamDocument> lookup = plain.watch().fullDocument(FullDocument.UPDATE_LOOKUP).cursor();
         ChangeStreamCursor<ChangeStreamDocument> images = imaged.watch().fullDocument(FullDocument.WHEN_AVAILABLE)
             .fullDocumentBeforeChange(FullDocumentBeforeChange.WHEN_AVAILABLE).cursor();
         ChangeStreamCursor<ChangeStreamDocument> plainImages = plain.watch()
             .fullDocumentBeforeChange(FullDocumentBeforeChange.WHEN_AVAILABLE).cursor()) {
      plain.insertOne(new Document("_id", "p").append("n", 1));
      plain.updateOne(eq("_id", "p"), Updates.inc("n", 1));
      imaged.insertOne(new Document("_id", "i").append("n", 1));
      imaged.updateOne(eq("_id", "i"), Updates.inc("n", 1));
      imaged.deleteOne(eq("_id", "i"));

      assertThat(take(lookup, 2).get(1).getFullDocument()).isEqualTo(new Document("_id", "p").append("n", 2));
      List<ChangeStreamDocument> imagedEvents = take(images, 3);
      assertThat(imagedEvents.get(1).getFullDocumentBeforeChange()).isEqualTo(new Document("_id", "i").append("n", 1));
      assertThat(imagedEvents.get(1).getFullDocument()).isEqualTo(new Document("_id", "i").append("n", 2));
      assertThat(imagedEvents.get(2).getFullDocumentBeforeChange()).isEqualTo(new Document("_id", "i").append("n", 2));
      ChangeStreamDocument plainUpdate = take(plainImages, 2).get(1);
      assertThat(plainUpdate.getDocument().containsKey("fullDocumentBeforeChange")).isTrue();
      assertThat(plainUpdate.getFullDocumentBeforeChange()).isNull();
    }
    assertThatThrownBy(() -> {
      try (ChangeStreamCursor<ChangeStreamDocument> required = plain.watch()
          .fullDocumentBeforeChange(FullDocumentBeforeChange.REQUIRED).startAtOperationTime(firstEventTime(plain)).cursor()) {
        take(required, 2);
      }
    }).isInstanceOfSatisfying(ChangeStreamException.class, e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.NO_MATCHING_DOCUMENT));
  }

  private static org.bson.BsonTimestamp firstEventTime(SluiceCollection collection) {
    try (ChangeStreamCursor<ChangeStreamDocument> all = collection.watch().startAtOperationTime(new org.bson.BsonTimestamp(1, 0)).cursor()) {
      return all.next().getClusterTime();
    }
  }

  @Test
  void aStreamResumesOnAnotherNodeRightAfterItsToken() {
    SluiceCollection c = client.getDatabase("cs3").getCollection("c");
    ResumeToken afterSecond;
    List<ChangeStreamDocument> firstTwo;
    try (ChangeStreamCursor<ChangeStreamDocument> cursor = c.watch().onNode(cluster.node(0).config().address()).cursor()) {
      for (int i = 0; i < 5; i++) {
        c.insertOne(new Document("_id", i));
      }
      firstTwo = take(cursor, 2);
      afterSecond = cursor.getResumeToken();
    }
    assertThat(afterSecond).isEqualTo(firstTwo.get(1).getResumeToken());
    try (ChangeStreamCursor<ChangeStreamDocument> resumed = c.watch().resumeAfter(afterSecond)
        .onNode(cluster.node(2).config().address()).cursor()) {
      assertThat(take(resumed, 3)).extracting(e -> e.getDocumentKey().getInt32("_id").getValue()).containsExactly(2, 3, 4);
    }
  }

  @Test
  void aFilteredStreamStillAdvancesItsResumeToken() {
    SluiceCollection c = client.getDatabase("cs4").getCollection("c");
    try (ChangeStreamCursor<ChangeStreamDocument> deletes = c.watch(List.of(Aggregates.match(eq("operationType", "delete"))))
        .maxAwaitTime(200, TimeUnit.MILLISECONDS).cursor()) {
      ResumeToken before = deletes.getResumeToken();
      WriteResult last = null;
      for (int i = 0; i < 3; i++) {
        last = c.insertOne(new Document("_id", i));
      }
      long lastIndex = last.position().index();
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> {
        assertThat(deletes.tryNext()).isNull();
        return deletes.getResumeToken().index() >= lastIndex;
      });
      assertThat(deletes.getResumeToken()).isGreaterThan(before);
      assertThat(deletes.getResumeToken().kind()).isEqualTo(ResumeToken.Kind.HIGH_WATER_MARK);
    }
  }

  @Test
  void droppingACollectionInvalidatesItsStreamAndStartAfterBeginsANewOne() {
    SluiceCollection c = client.getDatabase("cs5").getCollection("c");
    c.insertOne(new Document("_id", 0));
    // No wait for the followers to apply it: a stream with no start point starts after the client's
    // last acknowledged write on any node (a follower that had not applied it showed it, in a CI run).
    ResumeToken invalidate;
    try (ChangeStreamCursor<ChangeStreamDocument> cursor = c.watch().cursor()) {
      c.insertOne(new Document("_id", 1));
      c.drop();
      List<ChangeStreamDocument> events = take(cursor, 3);
      assertThat(events).extracting(ChangeStreamDocument::getOperationTypeString).containsExactly("insert", "drop", "invalidate");
      assertThat(cursor.hasNext()).isFalse();
      invalidate = events.get(2).getResumeToken();
    }
    assertThatThrownBy(() -> c.watch().resumeAfter(invalidate).cursor())
        .isInstanceOfSatisfying(ChangeStreamException.class, e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.INVALID_RESUME_TOKEN));
    c.insertOne(new Document("_id", "reborn"));
    try (ChangeStreamCursor<ChangeStreamDocument> next = c.watch().startAfter(invalidate).cursor()) {
      ChangeStreamDocument first = next.next();
      assertThat(first.getOperationType()).isEqualTo(OperationType.INSERT);
      assertThat(first.getDocumentKey().getString("_id").getValue()).isEqualTo("reborn");
    }
  }

  @Test
  void renamingInvalidatesAndDatabaseAndClusterStreamsSeeEveryCollection() {
    SluiceDatabase db = client.getDatabase("cs6");
    SluiceCollection a = db.getCollection("a");
    try (ChangeStreamCursor<ChangeStreamDocument> onA = a.watch().cursor();
         ChangeStreamCursor<ChangeStreamDocument> onDb = db.watch().cursor();
         ChangeStreamCursor<ChangeStreamDocument> onCluster = client.watch(List.of(Aggregates.match(eq("ns.db", "cs6")))).cursor()) {
      a.insertOne(new Document("_id", 1));
      db.getCollection("b").insertOne(new Document("_id", 2));
      a.renameCollection("cs6", "a2");
      db.drop();
      List<ChangeStreamDocument> aEvents = take(onA, 3);
      assertThat(aEvents).extracting(ChangeStreamDocument::getOperationTypeString).containsExactly("insert", "rename", "invalidate");
      assertThat(aEvents.get(1).getDestinationNamespace().getFullName()).isEqualTo("cs6.a2");
      List<ChangeStreamDocument> dbEvents = take(onDb, 6);
      assertThat(dbEvents).extracting(ChangeStreamDocument::getOperationTypeString)
          .containsExactly("insert", "insert", "rename", "drop", "drop", "dropDatabase");
      assertThat(take(onDb, 1).get(0).getOperationTypeString()).isEqualTo("invalidate");
      List<ChangeStreamDocument> clusterEvents = take(onCluster, 6);
      assertThat(clusterEvents).extracting(ChangeStreamDocument::getOperationTypeString)
          .containsExactly("insert", "insert", "rename", "drop", "drop", "dropDatabase");
    }
  }

  @Test
  void aTokenFromAnotherHistoryIsRejected() {
    SluiceCollection c = client.getDatabase("cs7").getCollection("c");
    WriteResult w = c.insertOne(new Document("_id", 1));
    ResumeToken wrongTerm = ResumeToken.event(w.position().term() + 7, w.position().index(), 0);
    assertThatThrownBy(() -> c.watch().resumeAfter(wrongTerm).cursor())
        .isInstanceOfSatisfying(ChangeStreamException.class, e -> {
          assertThat(e.errorCode()).isEqualTo(ErrorCode.INVALID_RESUME_TOKEN);
          assertThat(e.reason()).contains("another history");
        });
  }

  @Test
  void aPipelineThatChangesTheIdFailsTheStream() {
    SluiceCollection c = client.getDatabase("cs8").getCollection("c");
    try (ChangeStreamCursor<ChangeStreamDocument> cursor = c.watch(List.of(new Document("$project", new Document("_id", 0)))).cursor()) {
      c.insertOne(new Document("_id", 1));
      assertThatThrownBy(cursor::next).isInstanceOfSatisfying(ChangeStreamException.class,
          e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.CHANGE_STREAM_FATAL_ERROR));
    }
  }

  @Test
  void startAtOperationTimeBeginsAtThatWrite() {
    SluiceCollection c = client.getDatabase("cs9").getCollection("c");
    c.insertOne(new Document("_id", "before"));
    WriteResult from = c.insertOne(new Document("_id", "from"));
    c.insertOne(new Document("_id", "after"));
    try (ChangeStreamCursor<ChangeStreamDocument> cursor = c.watch().startAtOperationTime(from.operationTime()).cursor()) {
      assertThat(take(cursor, 2)).extracting(e -> e.getDocumentKey().getString("_id").getValue()).containsExactly("from", "after");
    }
  }

  @Test
  void everyNodeServesByteIdenticalEventsForTheSameRange() {
    SluiceCollection c = client.getDatabase("cs10").getCollection("c");
    WriteResult first = c.insertOne(new Document("_id", 0));
    for (int i = 1; i < 10; i++) {
      c.updateOne(eq("_id", 0), Updates.set("v" + i, i));
    }
    c.deleteOne(eq("_id", 0));
    ResumeToken start = ResumeToken.highWaterMark(first.position().term(), first.position().index() - 1);
    List<List<org.bson.BsonDocument>> perNode = new ArrayList<>();
    for (int n = 0; n < 3; n++) {
      try (ChangeStreamCursor<ChangeStreamDocument> cursor = c.watch().startAtOperationTime(first.operationTime())
          .onNode(cluster.node(n).config().address()).cursor()) {
        perNode.add(take(cursor, 11).stream().map(ChangeStreamDocument::getDocument).toList());
      }
    }
    assertThat(start.index()).isLessThan(first.position().index());
    assertThat(perNode.get(0)).hasSize(11).isEqualTo(perNode.get(1)).isEqualTo(perNode.get(2));
  }

  @Test
  void anInterruptedNextThrowsAndTheNextCallGoesOnWaitingForTheSameBatch() throws Exception {
    SluiceCollection c = client.getDatabase("cs-interrupt").getCollection("c");
    try (ChangeStreamCursor<ChangeStreamDocument> cursor = c.watch().maxAwaitTime(10, TimeUnit.SECONDS).cursor()) {
      CompletableFuture<RuntimeException> thrown = new CompletableFuture<>();
      AtomicBoolean flagKept = new AtomicBoolean();
      Thread reader = new Thread(() -> {
        try {
          cursor.next();
          thrown.complete(null);
        } catch (RuntimeException e) {
          flagKept.set(Thread.currentThread().isInterrupted());
          thrown.complete(e);
        }
      });
      reader.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> reader.getState() == Thread.State.WAITING);
      reader.interrupt();
      assertThat(thrown.get(10, TimeUnit.SECONDS)).isInstanceOfSatisfying(SluiceException.class,
          e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.INTERRUPTED));
      assertThat(flagKept).isTrue();
      c.insertOne(new Document("_id", "after"));
      assertThat(cursor.next().getDocumentKey().getString("_id").getValue()).isEqualTo("after");
    }
  }

  @Test
  void closingACursorFromAnotherThreadEndsTheNextThatWaits() throws Exception {
    SluiceCollection c = client.getDatabase("cs-close").getCollection("c");
    ChangeStreamCursor<ChangeStreamDocument> cursor = c.watch().maxAwaitTime(10, TimeUnit.SECONDS).cursor();
    CompletableFuture<Boolean> hasNext = new CompletableFuture<>();
    Thread reader = new Thread(() -> hasNext.complete(cursor.hasNext()));
    reader.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> reader.getState() == Thread.State.WAITING);
    cursor.close();
    // Well before the 10 s await: the node ends the waiting getMore when its cursor is killed.
    assertThat(hasNext.get(5, TimeUnit.SECONDS)).isFalse();
    assertThat(cursor.isClosed()).isTrue();
  }
}
