package io.sluice.statemachine.changestream;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.protocol.Replies;
import io.sluice.protocol.ResumeToken;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import io.sluice.statemachine.storage.MapDbDocumentStore;
import org.bson.BsonArray;
import org.bson.BsonBoolean;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonNull;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.types.Decimal128;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Streams whose first $match pins a field ({@link FieldPin}) are woken and read only for events that
 * may match, and must show exactly what the same filter shows unpinned: the same events, the same
 * postBatchResumeTokens, the same invalidate.
 */
class PinnedStreamsTest {
  private static final List<String> FILTERS = List.of("{'fullDocument.owner': 3}", "{'documentKey._id': {$in: [1, 2, 5]}}",
      "{'fullDocument.owner': {$in: ['3', 4]}, operationType: {$ne: 'delete'}}");
  private static final List<String> FULL_DOCUMENT = List.of("default", "updateLookup", "whenAvailable");

  /** A pinned stream and its unpinned twin: the same filter inside an $or, which pins nothing. */
  private record Twin(String filter, long pinned, long unpinned) {}

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6})
  void aPinnedStreamShowsExactlyWhatTheSameFilterShowsUnpinned(long seed) {
    Random random = new Random(seed);
    // A short tail: streams read older records from the store's history.
    try (StreamHarness node = new StreamHarness(MapDbDocumentStore.inMemory(), HistoryWindow.DEFAULT, 16)) {
      Replies.check(node.write(BsonDocument.parse("{create: 'c', changeStreamPreAndPostImages: {enabled: " + (seed % 2 == 0) + "}, $db: 'db'}")));
      List<Twin> twins = new ArrayList<>();
      for (String fullDocument : FULL_DOCUMENT) {
        for (String filter : FILTERS) {
          BsonDocument options = new BsonDocument("fullDocument", new BsonString(fullDocument));
          twins.add(new Twin(fullDocument + " " + filter, open(node, options, filter), open(node, options, "{$or: [" + filter + "]}")));
        }
      }
      // Once per field and value: {3, '3', 4} at fullDocument.owner for each of the 3 modes, {1, 2, 5} at documentKey._id.
      assertThat(node.hub.trackedPinValues()).as("the twins' pins are tracked").isEqualTo(12);

      int nextId = 1;
      BsonValue midway = null;
      for (int step = 0; step < 400; step++) {
        int id = 1 + random.nextInt(Math.max(1, nextId));
        switch (random.nextInt(8)) {
          case 0, 1 -> {
            // One to three documents: a record of several events.
            BsonArray documents = new BsonArray();
            for (int n = random.nextInt(3); n >= 0; n--) {
              documents.add(new BsonDocument("_id", new BsonInt32(nextId++)).append("owner", owner(random)));
            }
            node.write(command("insert", "documents", documents));
          }
          case 2 -> node.write(command("update", "updates", new BsonArray(List.of(new BsonDocument("q", idIs(id))
              .append("u", new BsonDocument("$set", new BsonDocument("owner", owner(random))))))));
          case 3 -> node.write(command("update", "updates", new BsonArray(List.of(new BsonDocument("q", idIs(id))
              .append("u", new BsonDocument("owner", owner(random)).append("step", new BsonInt32(step)))))));
          case 4 -> node.write(command("update", "updates", new BsonArray(List.of(new BsonDocument("q", BsonDocument.parse("{_id: {$lt: "
              + id + "}}")).append("u", new BsonDocument("$set", new BsonDocument("owner", owner(random)))).append("multi", BsonBoolean.TRUE)))));
          case 5 -> node.write(command("delete", "deletes", new BsonArray(List.of(new BsonDocument("q", idIs(id))
              .append("limit", new BsonInt32(1))))));
          default -> node.insert("other", new BsonInt32(step));
        }
        if (random.nextInt(4) == 0) {
          BsonDocument read = readAndCompare(node, twins.get(random.nextInt(twins.size())), 1 + random.nextInt(4));
          if (midway == null && step > 150) {
            midway = read.get("postBatchResumeToken");
          }
        }
      }
      readAndCompare(node, twins, 1_000);
      // Twins resumed from midway read the same too, from the store's history.
      for (String fullDocument : FULL_DOCUMENT) {
        for (String filter : FILTERS) {
          BsonDocument options = new BsonDocument("fullDocument", new BsonString(fullDocument)).append("resumeAfter", midway);
          Twin resumed = new Twin("resumed " + fullDocument + " " + filter, open(node, options, filter),
              open(node, options, "{$or: [" + filter + "]}"));
          twins.add(resumed);
          readAndCompare(node, resumed, 1 + random.nextInt(4));
        }
      }
      readAndCompare(node, twins, 1_000);
      Replies.check(node.write(BsonDocument.parse("{drop: 'c', $db: 'db'}")));
      for (Twin twin : twins) {
        assertThat(readAndCompare(node, twin, 1_000).getInt64("id").getValue()).as("closed by the invalidate: " + twin.filter()).isZero();
      }
      assertThat(node.hub.trackedPinValues()).as("closed streams release their pins").isZero();
    }
  }

  @Test
  void tenThousandStreamsPinnedToTheirOwnDocumentsAreWokenOnlyByTheirOwnWrites() throws Exception {
    try (StreamHarness node = new StreamHarness()) {
      List<Long> cursors = new ArrayList<>();
      for (int i = 0; i < 10_000; i++) {
        cursors.add(open(node, new BsonDocument(), "{'documentKey._id': " + i + "}"));
      }
      long notWaiting = open(node, new BsonDocument(), "{'documentKey._id': 0}");
      List<CompletableFuture<BsonDocument>> waiting = new ArrayList<>();
      for (long cursor : cursors) {
        waiting.add(node.service.execute(StreamHarness.getMore(cursor, "c", 10_000)));
      }
      assertThat(node.hub.waiting()).isEqualTo(10_000);

      long written = node.insert("c", new BsonInt32(4321)).getDocument("opTime").getInt64("index").getValue();

      BsonDocument woken = Replies.check(waiting.get(4321).get(5, TimeUnit.SECONDS)).getDocument("cursor");
      assertThat(woken.getArray("nextBatch")).hasSize(1);
      assertThat(node.hub.waiting()).as("only the stream of that document was woken").isEqualTo(9_999);
      // A stream of another document moves past the write, to where reading it would have taken it.
      BsonDocument quiet = Replies.check(node.call(StreamHarness.getMore(notWaiting, "c", 0))).getDocument("cursor");
      assertThat(quiet.getArray("nextBatch")).isEmpty();
      assertThat(ResumeToken.fromBson(quiet.get("postBatchResumeToken"))).isEqualTo(ResumeToken.highWaterMark(1, written));

      BsonArray all = new BsonArray();
      cursors.forEach(id -> all.add(new BsonInt64(id)));
      all.add(new BsonInt64(notWaiting));
      Replies.check(node.call(new BsonDocument("killCursors", new BsonString("c")).append("cursors", all).append("$db", new BsonString("db"))));
      assertThat(node.hub.trackedPinValues()).as("killed streams release their pins").isZero();
    }
  }

  @Test
  void aPinnedStreamMovesPastWhatDoesNotTouchItWithoutReadingAndSeeksToWhatDoes() {
    AtomicInteger historyReads = new AtomicInteger();
    // A tail of 4 records: the writes below are older than it when the streams read them.
    try (StreamHarness node = new StreamHarness(ChangeStreamServiceTest.countingHistoryReads(MapDbDocumentStore.inMemory(), historyReads),
        HistoryWindow.DEFAULT, 4)) {
      Twin twin = new Twin("owner 3", open(node, new BsonDocument(), "{'fullDocument.owner': 3}"),
          open(node, new BsonDocument(), "{$or: [{'fullDocument.owner': 3}]}"));
      for (int i = 0; i < 20; i++) {
        insertOwned(node, i, 4);
      }
      int before = historyReads.get();
      BsonDocument pinned = getMore(node, twin.pinned(), 10);
      assertThat(historyReads.get()).as("the pinned stream moved past 20 writes without reading them").isEqualTo(before);
      BsonDocument unpinned = getMore(node, twin.unpinned(), 10);
      assertThat(historyReads.get()).as("its twin read them from the store").isGreaterThan(before);
      assertThat(pinned.get("postBatchResumeToken")).isEqualTo(unpinned.get("postBatchResumeToken"));

      for (int i = 20; i < 40; i++) {
        insertOwned(node, i, i == 30 ? 3 : 4);
      }
      before = historyReads.get();
      BsonDocument seeking = getMore(node, twin.pinned(), 10);
      assertThat(historyReads.get() - before).as("one seek, to its write, then that record only: no other touches its pin").isEqualTo(1 + 1);
      assertThat(seeking.getArray("nextBatch")).hasSize(1);
      assertThat(seeking.getArray("nextBatch")).isEqualTo(getMore(node, twin.unpinned(), 10).getArray("nextBatch"));
    }
  }

  @Test
  void aWokenWaitOfAPinWithSeveralValuesLeavesNothingParkedUnderTheOthers() {
    try (StreamHarness node = new StreamHarness()) {
      long cursor = open(node, new BsonDocument(), "{'documentKey._id': {$in: [1, 2, 3]}}");
      CompletableFuture<BsonDocument> waiting = node.service.execute(StreamHarness.getMore(cursor, "c", 10_000));
      assertThat(node.hub.waiting()).as("filed under each of its values").isEqualTo(3);
      node.insert("c", new BsonInt32(2));
      assertThat(Replies.check(waiting.orTimeout(5, TimeUnit.SECONDS).join()).getDocument("cursor").getArray("nextBatch")).hasSize(1);
      assertThat(node.hub.waiting()).isZero();
    }
  }

  private static void insertOwned(StreamHarness node, int id, int owner) {
    node.write(command("insert", "documents", new BsonArray(List.of(new BsonDocument("_id", new BsonInt32(id))
        .append("owner", new BsonInt32(owner))))));
  }

  private static long open(StreamHarness node, BsonDocument options, String filter) {
    BsonDocument aggregate = StreamHarness.watch("c", options);
    aggregate.getArray("pipeline").add(new BsonDocument("$match", BsonDocument.parse(filter)));
    return Replies.check(node.call(aggregate)).getDocument("cursor").getInt64("id").getValue();
  }

  private static void readAndCompare(StreamHarness node, List<Twin> twins, int batchSize) {
    twins.forEach(twin -> readAndCompare(node, twin, batchSize));
  }

  /** One getMore on each of the twins: the same events and resume token, or the test fails. Returns the pinned one's cursor. */
  private static BsonDocument readAndCompare(StreamHarness node, Twin twin, int batchSize) {
    BsonDocument pinned = getMore(node, twin.pinned(), batchSize);
    BsonDocument unpinned = getMore(node, twin.unpinned(), batchSize);
    assertThat(pinned.getArray("nextBatch")).as(twin.filter()).isEqualTo(unpinned.getArray("nextBatch"));
    assertThat(pinned.get("postBatchResumeToken")).as(twin.filter()).isEqualTo(unpinned.get("postBatchResumeToken"));
    return pinned;
  }

  private static BsonDocument getMore(StreamHarness node, long cursor, int batchSize) {
    BsonDocument getMore = StreamHarness.getMore(cursor, "c", 0).append("batchSize", new BsonInt32(batchSize));
    return Replies.check(node.call(getMore)).getDocument("cursor");
  }

  /** Owners that equal 3 in different ways, that do not, and that are arrays or documents. */
  private static BsonValue owner(Random random) {
    return switch (random.nextInt(11)) {
      case 0 -> new BsonInt32(3);
      case 1 -> new BsonInt64(3);
      case 2 -> new BsonDouble(3.0);
      case 3 -> new BsonString("3");
      case 4 -> new BsonInt32(4);
      case 5 -> new BsonArray(List.of(new BsonInt32(7), new BsonInt32(3)));
      case 6 -> new BsonDocument("x", new BsonInt32(3));
      case 7 -> BsonNull.VALUE;
      case 8 -> new BsonDecimal128(Decimal128.parse("3.000"));
      case 9 -> new BsonDouble(Double.NaN);
      default -> new BsonDouble(3.5);
    };
  }

  private static BsonDocument idIs(int id) {
    return new BsonDocument("_id", new BsonInt32(id));
  }

  private static BsonDocument command(String name, String listField, BsonArray list) {
    return new BsonDocument(name, new BsonString("c")).append(listField, list).append("$db", new BsonString("db"));
  }
}
