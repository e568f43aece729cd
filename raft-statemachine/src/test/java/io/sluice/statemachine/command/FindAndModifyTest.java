package io.sluice.statemachine.command;

import static io.sluice.statemachine.command.WriteExecutorTest.doc;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.Position;
import io.sluice.protocol.SluiceException;
import io.sluice.statemachine.changestream.ChangeRecorder;
import io.sluice.statemachine.storage.MapDbDocumentStore;
import java.util.ArrayList;
import java.util.List;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FindAndModifyTest {
  private static final ApplyContext CONTEXT = new ApplyContext(new Position(1, 7), 5_000L, new BsonTimestamp(5, 1));

  private final MapDbDocumentStore store = MapDbDocumentStore.inMemory();
  private final WriteExecutor executor = new WriteExecutor(store);
  private ChangeRecorder changes;

  @BeforeEach
  void fill() {
    executor.apply(CONTEXT, doc("{insert: 'c', '$db': 'db', documents: [{_id: 1, name: 'ann', score: 7, tags: ['a']},"
        + " {_id: 2, name: 'bob', score: 9}, {_id: 3, name: 'cid', score: 8}]}"));
  }

  @AfterEach
  void close() {
    store.close();
  }

  /** Runs {@code findAndModify} on db.c with these fields; the reply. */
  private BsonDocument run(String fields) {
    changes = new ChangeRecorder(CONTEXT.position(), CONTEXT.clusterTime(), CONTEXT.wallTimeMillis());
    return executor.apply(CONTEXT, doc("{findAndModify: 'c', '$db': 'db', " + fields + "}"), changes);
  }

  private List<BsonDocument> all() {
    List<BsonDocument> out = new ArrayList<>();
    store.scan("db.c").forEachRemaining(out::add);
    return out;
  }

  private List<String> eventTypes() {
    return changes.record().getArray("events").stream().map(e -> e.asDocument().getString("operationType").getValue()).toList();
  }

  @Test
  void anUpdateReturnsTheDocumentBeforeItByDefault() {
    BsonDocument reply = run("query: {score: {$gte: 8}}, update: {$inc: {score: 1}}");
    assertThat(reply.getDocument("value")).isEqualTo(doc("{_id: 2, name: 'bob', score: 9}"));
    assertThat(reply.getDocument("lastErrorObject")).isEqualTo(doc("{n: 1, updatedExisting: true}"));
    assertThat(all()).contains(doc("{_id: 2, name: 'bob', score: 10}"), doc("{_id: 3, name: 'cid', score: 8}"));
    assertThat(eventTypes()).containsExactly("update");
  }

  @Test
  void newTrueReturnsTheDocumentAfterAndSortChoosesWhichOne() {
    BsonDocument reply = run("query: {}, sort: {score: 1}, update: {$set: {top: false}}, new: true, fields: {name: 1, top: 1, _id: 0}");
    assertThat(reply.getDocument("value")).isEqualTo(doc("{name: 'ann', top: false}"));
    reply = run("query: {}, sort: {score: -1, _id: 1}, update: {$set: {top: true}}, new: true");
    assertThat(reply.getDocument("value")).isEqualTo(doc("{_id: 2, name: 'bob', score: 9, top: true}"));
  }

  @Test
  void aReplacementKeepsTheId() {
    BsonDocument reply = run("query: {name: 'cid'}, update: {name: 'cyd'}, new: true");
    assertThat(reply.getDocument("value")).isEqualTo(doc("{_id: 3, name: 'cyd'}"));
    assertThat(eventTypes()).containsExactly("replace");
  }

  @Test
  void anUpdateThatChangesNothingRecordsNoEvent() {
    BsonDocument reply = run("query: {_id: 1}, update: {$set: {score: 7}}, new: true");
    assertThat(reply.getDocument("value")).isEqualTo(doc("{_id: 1, name: 'ann', score: 7, tags: ['a']}"));
    assertThat(reply.getDocument("lastErrorObject")).isEqualTo(doc("{n: 1, updatedExisting: true}"));
    assertThat(eventTypes()).isEmpty();
  }

  @Test
  void removeDeletesAndReturnsTheFirstInSortOrder() {
    BsonDocument reply = run("query: {score: {$gt: 7}}, sort: {score: 1}, remove: true, fields: {tags: 0}");
    assertThat(reply.getDocument("value")).isEqualTo(doc("{_id: 3, name: 'cid', score: 8}"));
    assertThat(reply.getDocument("lastErrorObject")).isEqualTo(doc("{n: 1}"));
    assertThat(all()).extracting(d -> d.getInt32("_id").getValue()).containsExactly(1, 2);
    assertThat(eventTypes()).containsExactly("delete");
  }

  @Test
  void noMatchReturnsNullAndChangesNothing() {
    assertThat(run("query: {name: 'zed'}, remove: true")).isEqualTo(doc("{ok: 1.0, lastErrorObject: {n: 0}, value: null}"));
    assertThat(run("query: {name: 'zed'}, update: {$set: {x: 1}}").getDocument("lastErrorObject"))
        .isEqualTo(doc("{n: 0, updatedExisting: false}"));
    assertThat(all()).hasSize(3);
    assertThat(eventTypes()).isEmpty();
  }

  @Test
  void anUpsertInsertsWithTheLeaderChosenIdAndTheQuerysFields() {
    String upsertId = "'" + WriteStamper.UPSERT_ID + "': ObjectId('650000000000000000000009')";
    BsonDocument reply = run("query: {name: 'dee'}, update: {$set: {score: 1}}, upsert: true, new: true, " + upsertId);
    assertThat(reply.getDocument("value")).isEqualTo(doc("{_id: ObjectId('650000000000000000000009'), name: 'dee', score: 1}"));
    assertThat(reply.getDocument("lastErrorObject"))
        .isEqualTo(doc("{n: 1, updatedExisting: false, upserted: ObjectId('650000000000000000000009')}"));
    assertThat(eventTypes()).containsExactly("insert");

    reply = run("query: {name: 'eve'}, update: {$set: {score: 2}}, upsert: true, " + upsertId.replace("09", "0a"));
    assertThat(reply.get("value")).as("new: false returns the document before: none").isEqualTo(org.bson.BsonNull.VALUE);
    assertThat(all()).hasSize(5);
  }

  @Test
  void theLeaderStampsAnUpsertIdOnAnUpsertingFindAndModifyOnly() {
    WriteStamper stamper = new WriteStamper(() -> new org.bson.types.ObjectId("650000000000000000000042"));
    BsonDocument upsert = stamper.stamp(LogEntry.toBytes(
        doc("{findAndModify: 'c', '$db': 'db', query: {a: 1}, update: {$set: {b: 1}}, upsert: true}")), 1).command();
    assertThat(upsert.get(WriteStamper.UPSERT_ID)).isEqualTo(new org.bson.BsonObjectId(new org.bson.types.ObjectId("650000000000000000000042")));
    BsonDocument plain = stamper.stamp(LogEntry.toBytes(
        doc("{findAndModify: 'c', '$db': 'db', query: {a: 1}, remove: true}")), 1).command();
    assertThat(plain.containsKey(WriteStamper.UPSERT_ID)).isFalse();
  }

  @Test
  void aReplacementUpsertAndFieldsWithNew() {
    String upsertId = ", '" + WriteStamper.UPSERT_ID + "': 77";
    BsonDocument reply = run("query: {name: 'dee'}, update: {name: 'dee', score: 3}, upsert: true, new: true, fields: {_id: 0}" + upsertId);
    assertThat(reply.getDocument("value")).isEqualTo(doc("{name: 'dee', score: 3}"));
    assertThat(all()).contains(doc("{_id: 77, name: 'dee', score: 3}"));
    reply = run("query: {_id: 1}, update: {$unset: {tags: 1}}, new: true, fields: {tags: 1}");
    assertThat(reply.getDocument("value")).as("new: true projects the document after").isEqualTo(doc("{_id: 1}"));
  }

  @Test
  void fieldsMayProjectTheElementTheQueryMatched() {
    BsonDocument reply = run("query: {tags: 'a'}, update: {$push: {tags: 'b'}}, new: true, fields: {'tags.$': 1}");
    assertThat(reply.getDocument("value")).isEqualTo(doc("{_id: 1, tags: ['a']}"));
  }

  @Test
  void anUpsertOntoAnExistingIdIsADuplicateKeyAndChangesNothing() {
    List<BsonDocument> before = all();
    SluiceException e = catchThrowableOfType(SluiceException.class,
        () -> run("query: {_id: 2, name: 'other'}, update: {$set: {score: 1}}, upsert: true, '" + WriteStamper.UPSERT_ID + "': 9"));
    assertThat(e.errorCode()).isEqualTo(ErrorCode.DUPLICATE_KEY);
    assertThat(all()).isEqualTo(before);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "query: {}, remove: true, collation: {locale: 'fr'}  | BAD_VALUE     | only the simple collation",
      "query: {}, remove: true, update: {$set: {a: 1}}   | FAILED_TO_PARSE | both an update and remove=true",
      "query: {}                                         | FAILED_TO_PARSE | Either an update or remove=true",
      "query: {}, remove: true, new: true                | FAILED_TO_PARSE | both new=true and remove=true",
      "query: {}, remove: true, upsert: true             | FAILED_TO_PARSE | both upsert=true and remove=true",
      "query: {}, remove: true, arrayFilters: [{x: 1}]   | FAILED_TO_PARSE | arrayFilters and remove=true",
      "query: {}, update: [{$set: {a: 1}}]               | FAILED_TO_PARSE | update pipelines",
      "query: {}, update: 5                              | TYPE_MISMATCH   | findAndModify.update",
      "query: 5, remove: true                            | TYPE_MISMATCH   | findAndModify.query",
      "query: {}, remove: true, sort: {a: 2}             | BAD_VALUE       | $sort key ordering",
      "query: {}, remove: 'yes'                          | TYPE_MISMATCH   | findAndModify.remove",
      "query: {}, update: {$set: {a: 1}}, bogus: 1       | UNKNOWN_FIELD   | findAndModify.bogus",
      "query: {$nope: 1}, remove: true                   | BAD_VALUE       | $nope",
      "query: {}, update: {$set: {_id: 5}}               | IMMUTABLE_FIELD | _id",
      "query: {}, update: {$inc: {name: 1}}              | TYPE_MISMATCH   | name"})
  void badCommandsFailWithMongoDBsErrorAndChangeNothing(String fields, ErrorCode code, String fragment) {
    List<BsonDocument> before = all();
    SluiceException e = catchThrowableOfType(SluiceException.class, () -> run(fields));
    assertThat(e).as("expected %s", code).isNotNull();
    assertThat(e.errorCode()).as(e.getMessage()).isEqualTo(code);
    assertThat(e.reason()).contains(fragment);
    assertThat(all()).isEqualTo(before);
  }

  @Test
  void theReplyIsTheSameOnEveryNode() {
    MapDbDocumentStore other = MapDbDocumentStore.inMemory();
    try {
      WriteExecutor otherExecutor = new WriteExecutor(other);
      String fill = "{insert: 'c', '$db': 'db', documents: [{_id: 1, name: 'ann', score: 7, tags: ['a']},"
          + " {_id: 2, name: 'bob', score: 9}, {_id: 3, name: 'cid', score: 8}]}";
      otherExecutor.apply(CONTEXT, doc(fill));
      String command = "{findAndModify: 'c', '$db': 'db', query: {}, sort: {score: -1}, update: {$push: {tags: 'x'}, $currentDate: {at: true}}, new: true}";
      BsonValue here = executor.apply(CONTEXT, doc(command));
      BsonValue there = otherExecutor.apply(CONTEXT, doc(command));
      assertThat(here).isEqualTo(there);
      assertThat(here.asDocument().getDocument("value").get("at")).isEqualTo(new org.bson.BsonDateTime(5_000L));
    } finally {
      other.close();
    }
  }
}
