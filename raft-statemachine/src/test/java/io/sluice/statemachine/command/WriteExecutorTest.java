package io.sluice.statemachine.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.Position;
import io.sluice.protocol.Replies;
import io.sluice.protocol.SluiceException;
import io.sluice.statemachine.storage.MapDbDocumentStore;
import java.util.ArrayList;
import java.util.List;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WriteExecutorTest {
  private static final ApplyContext CONTEXT = new ApplyContext(new Position(1, 1), 1_000L, new BsonTimestamp(1, 1));
  private static final String OID = "ObjectId('650000000000000000000001')";

  private final MapDbDocumentStore store = MapDbDocumentStore.inMemory();
  private final WriteExecutor executor = new WriteExecutor(store);

  @AfterEach
  void close() {
    store.close();
  }

  static BsonDocument doc(String json) {
    return BsonDocument.parse(json);
  }

  private BsonDocument run(String json) {
    return executor.apply(CONTEXT, doc(json));
  }

  private BsonDocument insert(String documents, String extra) {
    return run("{insert: 'c', documents: " + documents + extra + ", '$db': 'db'}");
  }

  private BsonDocument update(String statements) {
    return run("{update: 'c', updates: " + statements + ", '$db': 'db'}");
  }

  private List<BsonDocument> all() {
    List<BsonDocument> out = new ArrayList<>();
    store.scan("db.c").forEachRemaining(out::add);
    return out;
  }

  private SluiceException fails(String json, ErrorCode code, String fragment) {
    SluiceException e = catchThrowableOfType(SluiceException.class, () -> run(json));
    assertThat(e).as("expected %s from %s", code, json).isNotNull();
    assertThat(e.errorCode()).as(e.getMessage()).isEqualTo(code);
    assertThat(e.reason()).contains(fragment);
    return e;
  }

  private static void assertWriteError(BsonDocument reply, int position, int index, ErrorCode code, String fragment) {
    BsonDocument error = reply.getArray("writeErrors").get(position).asDocument();
    assertThat(error.getInt32("index").getValue()).isEqualTo(index);
    assertThat(error.getInt32("code").getValue()).isEqualTo(code.code());
    assertThat(error.getString("codeName").getValue()).isEqualTo(code.codeName());
    assertThat(error.getString("errmsg").getValue()).contains(fragment);
  }

  /** The statement's query locates {@code $}; its arrayFilters pick the elements of {@code $[<id>]}; malformed ones are write errors. */
  @Test
  void positionalUpdatesTakeTheStatementsQueryAndArrayFilters() {
    insert("[{_id: 1, grades: [85, 80, 80], items: [{k: 'a', n: 1}, {k: 'b', n: 5}]}]", "");
    BsonDocument reply = run("{update: 'c', ordered: false, '$db': 'db', updates: [{q: {_id: 1, grades: 80}, u: {$set: {'grades.$': 82}}},"
        + " {q: {_id: 1}, u: {$inc: {'items.$[big].n': 10}}, arrayFilters: [{'big.n': {$gt: 2}}]},"
        + " {q: {_id: 1}, u: {$set: {'items.$[x].n': 0}}, arrayFilters: 5},"
        + " {q: {_id: 1}, u: {$set: {'items.$[]': 0}}, arrayFilters: [{x: 1}]}]}");
    assertThat(all()).containsExactly(doc("{_id: 1, grades: [85, 82, 80], items: [{k: 'a', n: 1}, {k: 'b', n: 15}]}"));
    assertWriteError(reply, 0, 2, ErrorCode.TYPE_MISMATCH, "update.updates.2.arrayFilters");
    assertWriteError(reply, 1, 3, ErrorCode.FAILED_TO_PARSE, "The array filter for identifier 'x' was not used");
  }

  /** Every node applies the entry with the time the leader stamped on it, never its own clock. */
  @Test
  void currentDateSetsTheEntrysStampedTimeAndUpsertsTakeSetOnInsert() {
    insert("[{_id: 1}]", "");
    BsonDocument reply = update("[{q: {_id: 1}, u: {$currentDate: {d: true, t: {$type: 'timestamp'}}, $setOnInsert: {created: 1}}},"
        + " {q: {_id: 2}, u: {$currentDate: {d: {$type: 'date'}}, $setOnInsert: {created: 1}}, upsert: true, '"
        + WriteStamper.UPSERT_ID + "': 2}]");
    assertThat(reply.containsKey("writeErrors")).as(reply.toJson()).isFalse();
    assertThat(all()).containsExactly(doc("{_id: 1, d: {$date: 1000}, t: {$timestamp: {t: 1, i: 1}}}"),
        doc("{_id: 2, created: 1, d: {$date: 1000}}"));
  }

  @Test
  void insertOneCreatesTheCollectionImplicitly() {
    assertThat(store.collectionExists("db.c")).isFalse();
    BsonDocument reply = insert("[{_id: 1, a: 'x'}]", "");
    assertThat(reply).isEqualTo(doc("{ok: 1.0, n: 1}"));
    assertThat(store.collectionExists("db.c")).isTrue();
    assertThat(all()).containsExactly(doc("{_id: 1, a: 'x'}"));
  }

  @Test
  void insertManyStoresEveryDocument() {
    assertThat(insert("[{_id: 1}, {_id: 2}, {_id: 3}]", "").getInt32("n").getValue()).isEqualTo(3);
    assertThat(store.count("db.c")).isEqualTo(3);
  }

  @Test
  void duplicateIdStopsOrderedInsertAtThatIndex() {
    BsonDocument reply = insert("[{_id: 1}, {_id: 2}, {_id: 1}, {_id: 3}]", "");
    assertThat(reply.getInt32("n").getValue()).isEqualTo(2);
    assertThat(reply.getArray("writeErrors")).hasSize(1);
    assertWriteError(reply, 0, 2, ErrorCode.DUPLICATE_KEY, "E11000 duplicate key error collection: db.c index: _id_ dup key: { _id: 1 }");
    assertThat(Replies.isOk(reply)).isTrue();
    assertThat(ids(all())).containsExactly(new BsonInt32(1), new BsonInt32(2));
  }

  @Test
  void duplicateIdInUnorderedInsertIsReportedAndTheRestInserted() {
    BsonDocument reply = insert("[{_id: 1}, {_id: 1}, {_id: 2}, {_id: 2}, {_id: 3}]", ", ordered: false");
    assertThat(reply.getInt32("n").getValue()).isEqualTo(3);
    assertThat(reply.getArray("writeErrors")).hasSize(2);
    assertWriteError(reply, 0, 1, ErrorCode.DUPLICATE_KEY, "dup key: { _id: 1 }");
    assertWriteError(reply, 1, 3, ErrorCode.DUPLICATE_KEY, "dup key: { _id: 2 }");
    assertThat(store.count("db.c")).isEqualTo(3);
  }

  @Test
  void numericallyEqualIdIsADuplicate() {
    insert("[{_id: 1}]", "");
    BsonDocument reply = insert("[{_id: 1.0}]", "");
    assertWriteError(reply, 0, 0, ErrorCode.DUPLICATE_KEY, "dup key");
  }

  @Test
  void nonDocumentElementIsTypeMismatchNamingItsPosition() {
    BsonDocument reply = insert("[{_id: 1}, 5]", "");
    assertWriteError(reply, 0, 1, ErrorCode.TYPE_MISMATCH, "insert.documents.1");
    assertThat(reply.getInt32("n").getValue()).isEqualTo(1);
  }

  @Test
  void documentWithoutIdIsBadValue() {
    BsonDocument reply = insert("[{a: 1}]", "");
    assertWriteError(reply, 0, 0, ErrorCode.BAD_VALUE, "document 0 has no _id");
    assertThat(reply.getInt32("n").getValue()).isZero();
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "{_id: 1, a: 1}         | {$set: {b: 'x'}}           | {_id: 1, a: 1, b: 'x'}",
      "{_id: 1, a: 1}         | {$set: {'s.t': 2}}         | {_id: 1, a: 1, s: {t: 2}}",
      "{_id: 1, a: 1, b: 2}   | {$unset: {a: ''}}          | {_id: 1, b: 2}",
      "{_id: 1, a: 1}         | {$inc: {a: 5, n: 2}}       | {_id: 1, a: 6, n: 2}",
      "{_id: 1, a: 1}         | {$set: {b: 1}, $inc: {a: -1}} | {_id: 1, a: 0, b: 1}",
      "{_id: 1, a: 1, b: 2}   | {c: 3}                     | {_id: 1, c: 3}"})
  void updateOperatorsAndReplacementChangeTheMatchedDocument(String before, String u, String after) {
    insert("[" + before + "]", "");
    BsonDocument reply = update("[{q: {_id: 1}, u: " + u + "}]");
    assertThat(reply).isEqualTo(doc("{ok: 1.0, n: NumberLong(1), nModified: NumberLong(1)}"));
    assertThat(all()).containsExactly(doc(after));
  }

  @Test
  void multiUpdatesEveryMatchAndSingleUpdatesOne() {
    insert("[{_id: 1, g: 1}, {_id: 2, g: 1}, {_id: 3, g: 2}]", "");
    BsonDocument single = update("[{q: {g: 1}, u: {$inc: {n: 1}}}]");
    assertThat(single.getInt64("n").getValue()).isEqualTo(1);
    BsonDocument multi = update("[{q: {g: 1}, u: {$inc: {n: 1}}, multi: true}]");
    assertThat(multi.getInt64("n").getValue()).isEqualTo(2);
    assertThat(multi.getInt64("nModified").getValue()).isEqualTo(2);
    assertThat(all()).extracting(d -> d.get("n")).containsExactly(new BsonInt32(2), new BsonInt32(1), null);
  }

  @Test
  void upsertWithStampedIdInsertsAndReportsUpserted() {
    BsonDocument reply = update("[{q: {_id: 9}, u: {$set: {a: 1}}}, {q: {k: 5}, u: {$set: {b: 1}}, upsert: true, "
        + "'" + WriteStamper.UPSERT_ID + "': " + OID + "}]");
    assertThat(reply).isEqualTo(doc("{ok: 1.0, n: NumberLong(1), nModified: NumberLong(0), upserted: [{index: 1, _id: " + OID + "}]}"));
    assertThat(all()).containsExactly(doc("{_id: " + OID + ", k: 5, b: 1}"));
  }

  @Test
  void upsertThatMatchesUpdatesInsteadOfInserting() {
    insert("[{_id: 1, k: 5}]", "");
    BsonDocument reply = update("[{q: {k: 5}, u: {$set: {b: 1}}, upsert: true, '" + WriteStamper.UPSERT_ID + "': " + OID + "}]");
    assertThat(reply).isEqualTo(doc("{ok: 1.0, n: NumberLong(1), nModified: NumberLong(1)}"));
    assertThat(store.count("db.c")).isEqualTo(1);
  }

  @Test
  void upsertWithoutStampedIdIsAnError() {
    BsonDocument reply = update("[{q: {k: 5}, u: {$set: {b: 1}}, upsert: true}]");
    assertWriteError(reply, 0, 0, ErrorCode.BAD_VALUE, "carries no leader-chosen _id");
    assertThat(reply.containsKey("upserted")).isFalse();
    assertThat(all()).isEmpty();
  }

  @Test
  void updateThatChangesNothingReportsZeroModified() {
    insert("[{_id: 1, a: 1}]", "");
    BsonDocument reply = update("[{q: {_id: 1}, u: {$set: {a: 1}}}]");
    assertThat(reply).isEqualTo(doc("{ok: 1.0, n: NumberLong(1), nModified: NumberLong(0)}"));
  }

  @Test
  void unknownFieldInUpdateStatementIsCode40415() {
    BsonDocument reply = update("[{q: {}, u: {$set: {a: 1}}, bogus: 1}]");
    assertWriteError(reply, 0, 0, ErrorCode.UNKNOWN_FIELD, "update.updates.0.bogus");
    assertThat(reply.getArray("writeErrors").get(0).asDocument().getInt32("code").getValue()).isEqualTo(40415);
  }

  @Test
  void unknownFieldInCommandIsCode40415() {
    fails("{insert: 'c', documents: [], bogus: 1, '$db': 'db'}", ErrorCode.UNKNOWN_FIELD, "insert.bogus");
  }

  @ParameterizedTest(name = "limit {0} deletes {1}")
  @CsvSource({"1, 1", "0, 3", "1.0, 1", "NumberLong(0), 3"})
  void deleteHonoursLimit(String limit, long deleted) {
    insert("[{_id: 1, g: 1}, {_id: 2, g: 1}, {_id: 3, g: 1}, {_id: 4, g: 2}]", "");
    BsonDocument reply = run("{delete: 'c', deletes: [{q: {g: 1}, limit: " + limit + "}], '$db': 'db'}");
    assertThat(reply.getInt64("n").getValue()).isEqualTo(deleted);
    assertThat(store.count("db.c")).isEqualTo(4 - deleted);
  }

  @ParameterizedTest(name = "limit: {0}")
  @CsvSource(delimiter = '|', value = {"limit: 2", "limit: -1", "limit: 'one'", "limit: 0.5", "q: {}"})
  void badDeleteLimitIsFailedToParse(String limitField) {
    insert("[{_id: 1}]", "");
    String statement = limitField.startsWith("q") ? "{q: {}}" : "{q: {}, " + limitField + "}";
    BsonDocument reply = run("{delete: 'c', deletes: [" + statement + "], '$db': 'db'}");
    assertWriteError(reply, 0, 0, ErrorCode.FAILED_TO_PARSE, "must be 0 or 1");
    assertThat(store.count("db.c")).isEqualTo(1);
  }

  @Test
  void createMakesAnEmptyCollectionWithOptions() {
    assertThat(run("{create: 'c', changeStreamPreAndPostImages: {enabled: true}, '$db': 'db'}")).isEqualTo(doc("{ok: 1.0}"));
    assertThat(store.collections()).containsEntry("db.c", doc("{changeStreamPreAndPostImages: {enabled: true}}"));
  }

  @Test
  void createOfExistingCollectionIsNamespaceExists() {
    run("{create: 'c', '$db': 'db'}");
    SluiceException e = fails("{create: 'c', '$db': 'db'}", ErrorCode.NAMESPACE_EXISTS, "db.c");
    assertThat(e.code()).isEqualTo(48);
  }

  @Test
  void dropRemovesCollectionAndItsDocuments() {
    insert("[{_id: 1}]", "");
    assertThat(run("{drop: 'c', '$db': 'db'}")).isEqualTo(doc("{ok: 1.0, ns: 'db.c', nIndexesWas: 1}"));
    assertThat(store.collectionExists("db.c")).isFalse();
    assertThat(store.count("db.c")).isZero();
  }

  @Test
  void dropOfMissingCollectionSucceeds() {
    assertThat(run("{drop: 'none', '$db': 'db'}")).isEqualTo(doc("{ok: 1.0, ns: 'db.none'}"));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "unknown command   | {find: 'c', '$db': 'db'}                      | COMMAND_NOT_FOUND | 'find'",
      "missing $db       | {insert: 'c', documents: []}                  | FAILED_TO_PARSE   | '$db'",
      "empty command     | {}                                            | FAILED_TO_PARSE   | empty command",
      "bad collection    | {insert: '$x', documents: [], '$db': 'db'}    | INVALID_NAMESPACE | '$x'",
      "bad database      | {drop: 'c', '$db': 'a.b'}                     | INVALID_NAMESPACE | 'a.b'",
      "database with $   | {drop: 'c', '$db': 'a$b'}                     | INVALID_NAMESPACE | 'a$b'",
      "database with /   | {drop: 'c', '$db': 'a/b'}                     | INVALID_NAMESPACE | 'a/b'",
      "empty collection  | {create: '', '$db': 'db'}                     | INVALID_NAMESPACE | ''",
      "documents missing | {insert: 'c', '$db': 'db'}                    | FAILED_TO_PARSE   | insert.documents",
      "documents wrong   | {insert: 'c', documents: 1, '$db': 'db'}      | TYPE_MISMATCH     | insert.documents",
      "ordered wrong     | {insert: 'c', documents: [], ordered: 'x', '$db': 'db'} | TYPE_MISMATCH | insert.ordered"})
  void commandLevelErrorsAreThrown(String what, String command, ErrorCode code, String fragment) {
    fails(command, code, fragment);
    assertThat(store.collections()).isEmpty();
  }

  @Test
  void unknownCommandIsCode59AndInvalidNamespaceIs73() {
    assertThat(fails("{frobnicate: 1, '$db': 'db'}", ErrorCode.COMMAND_NOT_FOUND, "frobnicate").code()).isEqualTo(59);
    assertThat(fails("{insert: 'c', documents: [], '$db': 'bad db'}", ErrorCode.INVALID_NAMESPACE, "bad db").code()).isEqualTo(73);
  }

  @Test
  void namespaceOfMoreThan255CharactersIsInvalid() {
    fails("{create: '" + "x".repeat(253) + "', '$db': 'db'}", ErrorCode.INVALID_NAMESPACE, "too long");
    assertThat(run("{create: '" + "x".repeat(252) + "', '$db': 'db'}")).isEqualTo(doc("{ok: 1.0}"));
  }

  @Test
  void namespaceOfMoreThan255Utf8BytesIsInvalid() {
    fails("{create: '" + "\u00e9".repeat(200) + "', '$db': 'db'}", ErrorCode.INVALID_NAMESPACE, "too long");
  }

  static List<BsonValue> ids(List<BsonDocument> docs) {
    return docs.stream().map(d -> d.get("_id")).toList();
  }
}
