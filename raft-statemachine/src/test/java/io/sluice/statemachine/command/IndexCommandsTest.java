package io.sluice.statemachine.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.Position;
import io.sluice.protocol.SluiceException;
import io.sluice.statemachine.storage.MapDbDocumentStore;
import java.util.List;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** createIndexes, listIndexes, dropIndexes and explain, and how indexes follow the writes: through the commands, as a client sends them. */
class IndexCommandsTest {
  private static final ApplyContext CONTEXT = new ApplyContext(new Position(1, 1), 1_000L, new BsonTimestamp(1, 1));

  private final MapDbDocumentStore store = MapDbDocumentStore.inMemory();
  private final WriteExecutor writes = new WriteExecutor(store);
  private final QueryExecutor reads = new QueryExecutor(store);

  @AfterEach
  void close() {
    store.close();
  }

  private static BsonDocument doc(String json) {
    return BsonDocument.parse(json);
  }

  private BsonDocument write(String json) {
    return writes.apply(CONTEXT, doc(json));
  }

  private BsonDocument createIndexes(String specs) {
    return write("{createIndexes: 'c', indexes: " + specs + ", '$db': 'db'}");
  }

  private BsonDocument insert(String documents) {
    return write("{insert: 'c', documents: " + documents + ", '$db': 'db'}");
  }

  private List<String> indexNames() {
    return reads.execute(doc("{listIndexes: 'c', '$db': 'db'}")).getDocument("cursor").getArray("firstBatch").stream()
        .map(spec -> spec.asDocument().getString("name").getValue()).toList();
  }

  private List<Integer> findIds(String filter) {
    return reads.execute(doc("{find: 'c', filter: " + filter + ", '$db': 'db'}")).getDocument("cursor").getArray("firstBatch")
        .stream().map(d -> d.asDocument().getInt32("_id").getValue()).sorted().toList();
  }

  private BsonDocument explain(String command) {
    return reads.execute(doc("{explain: " + command + ", verbosity: 'executionStats', '$db': 'db'}"));
  }

  /** The winning plan's stage, with the index name for an index scan. */
  private String plan(String filter) {
    BsonDocument winning = explain("{find: 'c', filter: " + filter + "}").getDocument("queryPlanner").getDocument("winningPlan");
    return winning.containsKey("inputStage")
        ? winning.getDocument("inputStage").getString("stage").getValue() + " " + winning.getDocument("inputStage").getString("indexName").getValue()
        : winning.getString("stage").getValue();
  }

  private static void assertWriteError(BsonDocument reply, ErrorCode code, String fragment) {
    assertThat(reply.containsKey("writeErrors")).as("expected a write error in %s", reply).isTrue();
    BsonDocument error = reply.getArray("writeErrors").get(0).asDocument();
    assertThat(error.getInt32("code").getValue()).as(error.toJson()).isEqualTo(code.code());
    assertThat(error.getString("errmsg").getValue()).contains(fragment);
  }

  private SluiceException fails(Runnable command, ErrorCode code, String fragment) {
    SluiceException e = catchThrowableOfType(SluiceException.class, command::run);
    assertThat(e).isNotNull();
    assertThat(e.errorCode()).as(e.getMessage()).isEqualTo(code);
    assertThat(e.reason()).contains(fragment);
    return e;
  }

  @Test
  void createdIndexesAreListedAfterIdAndCreatingTwiceChangesNothing() {
    BsonDocument reply = createIndexes("[{key: {age: 1}}, {key: {city: 1, age: -1}, name: 'by_city', unique: true}]");
    assertThat(reply.getBoolean("createdCollectionAutomatically").getValue()).isTrue();
    assertThat(reply.getInt32("numIndexesBefore").getValue()).isEqualTo(1);
    assertThat(reply.getInt32("numIndexesAfter").getValue()).isEqualTo(3);
    assertThat(indexNames()).containsExactly("_id_", "age_1", "by_city");
    assertThat(reads.execute(doc("{listIndexes: 'c', '$db': 'db'}")).getDocument("cursor").getArray("firstBatch").get(2))
        .isEqualTo(doc("{v: 2, key: {city: 1, age: -1}, name: 'by_city', unique: true}"));

    BsonDocument again = createIndexes("[{key: {age: 1}}, {key: {_id: 1}}]");
    assertThat(again.getString("note").getValue()).isEqualTo("all indexes already exist");
    assertThat(again.getInt32("numIndexesAfter").getValue()).isEqualTo(3);
  }

  @Test
  void findCountUpdateAndDeleteUseAnIndexOnTheLeadingFieldAndFindTheSameDocuments() {
    insert("[{_id: 1, age: 30, city: 'x'}, {_id: 2, age: 25, city: 'y'}, {_id: 3, age: [25, 40], city: 'x'}, {_id: 4, city: 'z'},"
        + " {_id: 5, age: 25.0, city: 'x'}, {_id: 6, age: '25'}]");
    List<String> filters = List.of("{age: 25}", "{age: {$gt: 26}}", "{age: {$gte: 25, $lt: 31}}", "{age: {$in: [30, 40, '25']}}",
        "{$and: [{city: 'x'}, {age: {$lte: 25}}]}", "{age: {$lt: 'z'}}", "{age: {$eq: 25}, city: {$ne: 'y'}}");
    List<List<Integer>> unindexed = filters.stream().map(this::findIds).toList();
    assertThat(plan("{age: 25}")).isEqualTo("COLLSCAN");

    createIndexes("[{key: {age: -1}}, {key: {city: 1, age: 1}}]");
    for (int i = 0; i < filters.size(); i++) {
      assertThat(findIds(filters.get(i))).as(filters.get(i)).isEqualTo(unindexed.get(i));
    }
    assertThat(unindexed.get(0)).containsExactly(2, 3, 5);
    assertThat(plan("{age: 25}")).isEqualTo("IXSCAN age_-1");
    assertThat(plan("{city: 'x', age: {$gt: 1}}")).isEqualTo("IXSCAN city_1_age_1");
    assertThat(plan("{_id: 3, age: 25}")).isEqualTo("IDHACK");
    assertThat(plan("{age: null}")).isEqualTo("COLLSCAN");
    assertThat(plan("{$or: [{age: 25}, {age: 30}]}")).isEqualTo("COLLSCAN");

    BsonDocument stats = explain("{count: 'c', query: {age: 25}}").getDocument("executionStats");
    assertThat(stats.getInt64("nReturned").getValue()).isEqualTo(3);
    assertThat(stats.getInt64("totalDocsExamined").getValue()).isEqualTo(3);
    assertThat(reads.execute(doc("{count: 'c', query: {age: 25}, '$db': 'db'}")).getInt64("n").getValue()).isEqualTo(3);
    assertThat(explain("{update: 'c', updates: [{q: {city: 'z'}, u: {$set: {a: 1}}}]}").getDocument("queryPlanner")
        .getDocument("winningPlan").getDocument("inputStage").getString("indexName").getValue()).isEqualTo("city_1_age_1");

    write("{update: 'c', updates: [{q: {age: 25}, u: {$set: {age: 26}}, multi: true}], '$db': 'db'}");
    assertThat(findIds("{age: 25}")).isEmpty();
    assertThat(findIds("{age: 26}")).containsExactly(2, 3, 5);
    write("{delete: 'c', deletes: [{q: {age: {$gte: 26, $lte: 26}}, limit: 0}], '$db': 'db'}");
    assertThat(findIds("{age: {$gte: 0}}")).containsExactly(1);
    assertThat(findIds("{}")).containsExactly(1, 4, 6);
  }

  @Test
  void aUniqueIndexRefusesASecondDocumentWithTheSameKeyFromEveryWrite() {
    createIndexes("[{key: {email: 1}, unique: true}]");
    insert("[{_id: 1, email: 'a@x'}, {_id: 2, email: 'b@x'}]");
    assertWriteError(insert("[{_id: 3, email: 'a@x'}]"), ErrorCode.DUPLICATE_KEY,
        "E11000 duplicate key error collection: db.c index: email_1 dup key: { email: \"a@x\" }");
    assertWriteError(write("{update: 'c', updates: [{q: {_id: 2}, u: {$set: {email: 'a@x'}}}], '$db': 'db'}"), ErrorCode.DUPLICATE_KEY, "email_1");
    assertWriteError(write("{update: 'c', updates: [{q: {email: 'new@x'}, u: {$set: {email: 'b@x'}}, upsert: true, $sluiceUpsertId: 9}],"
        + " '$db': 'db'}"), ErrorCode.DUPLICATE_KEY, "email_1");
    // 1 and 1.0 are one key; an element of an array is a key of its own.
    assertWriteError(insert("[{_id: 4, email: ['c@x', 'b@x']}]"), ErrorCode.DUPLICATE_KEY, "b@x");
    // A document may repeat its own key, and keep it through an update.
    insert("[{_id: 5, email: ['d@x', 'd@x']}]");
    write("{update: 'c', updates: [{q: {_id: 5}, u: {$set: {n: 1}}}], '$db': 'db'}");
    // Two documents without the field both have the key null.
    insert("[{_id: 6}]");
    assertWriteError(insert("[{_id: 7}]"), ErrorCode.DUPLICATE_KEY, "dup key: { email: null }");
    assertThat(findIds("{}")).containsExactly(1, 2, 5, 6);
    assertThat(findIds("{email: 'a@x'}")).containsExactly(1);
  }

  @Test
  void aSparseUniqueIndexSkipsDocumentsWithoutTheField() {
    createIndexes("[{key: {email: 1}, unique: true, sparse: true}]");
    insert("[{_id: 1}, {_id: 2}, {_id: 3, email: 'a'}]");
    assertWriteError(insert("[{_id: 4, email: 'a'}]"), ErrorCode.DUPLICATE_KEY, "email_1");
    assertThat(findIds("{email: {$gte: ''}}")).containsExactly(3);
    assertThat(findIds("{}")).containsExactly(1, 2, 3);
  }

  @Test
  void anIndexThatCannotBeBuiltLeavesNoTraceAndAllOfTheRequestFails() {
    insert("[{_id: 1, a: 1, b: [1, 2], c: [3]}, {_id: 2, a: 1.0}]");
    fails(() -> createIndexes("[{key: {z: 1}}, {key: {a: 1}, unique: true}]"), ErrorCode.DUPLICATE_KEY, "dup key: { a: 1");
    fails(() -> createIndexes("[{key: {b: 1, c: 1}}]"), ErrorCode.CANNOT_INDEX_PARALLEL_ARRAYS, "cannot index parallel arrays [c] [b]");
    assertThat(indexNames()).containsExactly("_id_");
    assertThat(findIds("{}")).containsExactly(1, 2);

    createIndexes("[{key: {a: 1, b: 1}}]");
    assertWriteError(insert("[{_id: 3, a: [1], b: [2]}]"), ErrorCode.CANNOT_INDEX_PARALLEL_ARRAYS, "parallel arrays");
    assertWriteError(insert("[{_id: 4, a: '" + "x".repeat(9_000) + "'}]"), ErrorCode.KEY_TOO_LONG, "a_1_b_1");
    String manyNumbers = java.util.stream.IntStream.range(0, 5_000).mapToObj(Integer::toString).collect(java.util.stream.Collectors.joining(", "));
    assertWriteError(insert("[{_id: 5, a: '" + "x".repeat(8_000) + "', b: [" + manyNumbers + "]}]"), ErrorCode.KEY_TOO_LONG, "in all");
    assertThat(findIds("{}")).containsExactly(1, 2);
  }

  @Test
  void keyPatternsKeepTheirOrderAndNumbersAsGiven() {
    createIndexes("[{key: {a: 1, b: 1}}, {key: {b: 1, a: 1}}, {key: {c: 2}}, {key: {d: NumberLong(-1)}}]");
    assertThat(indexNames()).containsExactly("_id_", "a_1_b_1", "b_1_a_1", "c_2", "d_-1");
    assertThat(reads.execute(doc("{listIndexes: 'c', '$db': 'db'}")).getDocument("cursor").getArray("firstBatch").get(3))
        .isEqualTo(doc("{v: 2, key: {c: 2}, name: 'c_2'}"));
    // The same key in another numeric type is the same index.
    assertThat(createIndexes("[{key: {c: 2.0}}]").getString("note").getValue()).isEqualTo("all indexes already exist");
    write("{dropIndexes: 'c', index: {b: 1.0, a: 1}, '$db': 'db'}");
    assertThat(indexNames()).containsExactly("_id_", "a_1_b_1", "c_2", "d_-1");
  }

  /** One element of an array may meet one end of a range and another element the other: the index must still find the document. */
  @Test
  void rangesOnArraysFindEveryDocumentTheFilterMatches() {
    createIndexes("[{key: {a: 1}}, {key: {b: -1}}]");
    insert("[{_id: 1, a: 2, b: 2}, {_id: 2, a: 9, b: 9}]");
    List<String> filters = List.of("{a: {$gte: 1, $lte: 3}}", "{a: {$gt: 5, $lt: 3}}", "{b: {$gte: 1, $lte: 3}}", "{b: {$gt: 5, $lt: 3}}",
        "{a: {$gt: 5, $lt: 'z'}}");
    assertThat(filters.stream().map(this::findIds).toList()).containsExactly(List.of(1), List.of(), List.of(1), List.of(), List.of());
    assertThat(explain("{find: 'c', filter: {a: 2}}").getDocument("queryPlanner").getDocument("winningPlan").getDocument("inputStage")
        .getBoolean("isMultiKey").getValue()).isFalse();

    insert("[{_id: 3, a: [0, 5], b: [0, 5]}, {_id: 4, a: [6, 1], b: [6, 1]}, {_id: 5, a: [6, 'a'], b: ['a', 6]}]");
    assertThat(filters.stream().map(this::findIds).toList())
        .containsExactly(List.of(1, 3, 4), List.of(4), List.of(1, 3, 4), List.of(4), List.of(5));
    assertThat(explain("{find: 'c', filter: {a: 2}}").getDocument("queryPlanner").getDocument("winningPlan").getDocument("inputStage")
        .getBoolean("isMultiKey").getValue()).isTrue();
  }

  /** Fields under one array take their values from the same element, as in MongoDB: no cross-element keys. */
  @Test
  void aCompoundIndexOnFieldsOfOneArrayKeysEachElement() {
    createIndexes("[{key: {'items.sku': 1, 'items.qty': -1}, unique: true}]");
    insert("[{_id: 1, items: [{sku: 'a', qty: 1}, {sku: 'b', qty: 2}]}, {_id: 2, items: [{sku: 'a', qty: 2}, {sku: 'c'}]}]");
    assertWriteError(insert("[{_id: 3, items: [{sku: 'z', qty: 9}, {sku: 'b', qty: 2}]}]"), ErrorCode.DUPLICATE_KEY,
        "dup key: { items.sku: \"b\", items.qty: 2 }");
    assertWriteError(insert("[{_id: 4, items: [{sku: 'c'}]}]"), ErrorCode.DUPLICATE_KEY, "items.qty: null");
    assertThat(findIds("{'items.sku': 'a'}")).containsExactly(1, 2);
    assertThat(findIds("{'items.sku': {$gte: 'b'}}")).containsExactly(1, 2);
    assertThat(plan("{'items.sku': 'a'}")).isEqualTo("IXSCAN items.sku_1_items.qty_-1");
    // One array inside an element is fine; two different arrays in one element are parallel.
    insert("[{_id: 5, items: [{sku: 'q', qty: [1, 2]}]}]");
    assertThat(findIds("{'items.qty': 2}")).containsExactly(1, 2, 5);
    assertWriteError(insert("[{_id: 6, items: [{sku: ['q', 'r'], qty: [1, 2]}]}]"), ErrorCode.CANNOT_INDEX_PARALLEL_ARRAYS,
        "cannot index parallel arrays [qty] [sku] in index items.sku_1_items.qty_-1");
  }

  @Test
  void anIndexBuiltOverArraysAlreadyThereKnowsItIsMultikey() {
    insert("[{_id: 1, a: [0, 5]}, {_id: 2, a: 2}]");
    createIndexes("[{key: {a: 1}}]");
    assertThat(findIds("{a: {$gte: 1, $lte: 3}}")).containsExactly(1, 2);
  }

  private String hintedPlan(String find) {
    BsonDocument winning = explain(find).getDocument("queryPlanner").getDocument("winningPlan");
    return winning.containsKey("inputStage") ? winning.getDocument("inputStage").getString("indexName").getValue()
        : winning.getString("stage").getValue();
  }

  /** A hint picks the index (by name or key), the _id index or a collection scan; the results stay the filter's. */
  @Test
  void aHintChoosesThePlanAndNeverChangesWhatMatches() {
    insert("[{_id: 1, a: 1, b: 'x'}, {_id: 2, a: 2}, {_id: 3, b: 'y'}]");
    createIndexes("[{key: {a: 1}, unique: true}, {key: {b: -1}}, {key: {b: 1}, name: 'b_sparse', sparse: true}]");
    assertThat(hintedPlan("{find: 'c', filter: {a: 1, b: 'x'}}")).isEqualTo("a_1");
    assertThat(hintedPlan("{find: 'c', filter: {a: 1, b: 'x'}, hint: 'b_-1'}")).isEqualTo("b_-1");
    assertThat(hintedPlan("{find: 'c', filter: {a: 1, b: 'x'}, hint: {b: -1}}")).isEqualTo("b_-1");
    assertThat(hintedPlan("{find: 'c', filter: {_id: 1}, hint: {$natural: 1}}")).isEqualTo("COLLSCAN");
    assertThat(hintedPlan("{find: 'c', filter: {_id: 1}, hint: '_id_'}")).isEqualTo("IDHACK");
    assertThat(hintedPlan("{find: 'c', filter: {a: 1}, hint: {_id: 1}}")).isEqualTo("COLLSCAN");
    assertThat(hintedPlan("{count: 'c', query: {}, hint: 'a_1'}")).isEqualTo("a_1");

    // A hinted index with no condition on its field is scanned whole: every document once, missing fields as null.
    for (String hint : List.of("'a_1'", "'b_-1'", "{$natural: 1}", "'_id_'")) {
      assertThat(reads.execute(doc("{find: 'c', filter: {}, hint: " + hint + ", '$db': 'db'}")).getDocument("cursor").getArray("firstBatch"))
          .as(hint).hasSize(3);
    }
    assertThat(reads.execute(doc("{distinct: 'c', key: 'b', hint: 'b_-1', '$db': 'db'}")).getArray("values")).hasSize(2);
    assertThat(reads.execute(doc("{find: 'nosuch', hint: 'a_1', '$db': 'db'}")).getDocument("cursor").getArray("firstBatch")).isEmpty();
    assertThat(reads.execute(doc("{find: 'c', filter: {}, hint: {$natural: NumberDecimal('1')}, '$db': 'db'}")).getDocument("cursor")
        .getArray("firstBatch")).hasSize(3);
    // As in MongoDB, a hinted sparse index finds only the documents it holds.
    assertThat(reads.execute(doc("{count: 'c', query: {}, hint: 'b_sparse', '$db': 'db'}")).getInt64("n").getValue()).isEqualTo(2);

    write("{update: 'c', updates: [{q: {b: {$gte: 'x'}}, u: {$set: {n: 1}}, multi: true, hint: 'b_sparse'}], '$db': 'db'}");
    write("{delete: 'c', deletes: [{q: {a: 2}, limit: 1, hint: {a: 1}}], '$db': 'db'}");
    assertThat(findIds("{n: 1}")).containsExactly(1, 3);
    assertThat(findIds("{}")).containsExactly(1, 3);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "{find: 'c', hint: 'nope', '$db': 'db'}            | BAD_VALUE     | hint provided does not correspond to an existing index: nope",
      "{find: 'c', hint: {z: 1}, '$db': 'db'}            | BAD_VALUE     | does not correspond",
      "{find: 'c', hint: {a: -1}, '$db': 'db'}           | BAD_VALUE     | does not correspond",
      "{find: 'c', hint: 5, '$db': 'db'}                 | TYPE_MISMATCH | find.hint",
      "{find: 'c', hint: {$natural: -1}, '$db': 'db'}    | BAD_VALUE     | forward only",
      "{find: 'c', hint: {$natural: NaN}, '$db': 'db'}   | BAD_VALUE     | forward only",
      "{distinct: 'c', key: 'a', hint: 'nope', '$db': 'db'} | BAD_VALUE  | does not correspond",
      "{count: 'c', hint: 'nope', '$db': 'db'}           | BAD_VALUE     | does not correspond",
      "{aggregate: 'c', pipeline: [], cursor: {}, hint: 'nope', '$db': 'db'} | BAD_VALUE | does not correspond",
      "{listIndexes: 'nope', '$db': 'db'}                                   | NAMESPACE_NOT_FOUND | db.nope",
      "{explain: {insert: 'c', documents: []}, '$db': 'db'}                 | BAD_VALUE     | 'insert'",
      "{explain: {find: 'c'}, verbosity: 'loud', '$db': 'db'}               | BAD_VALUE     | 'loud'",
      "{explain: 5, '$db': 'db'}                                            | TYPE_MISMATCH | explain.explain",
      "{explain: {update: 'c', updates: []}, '$db': 'db'}                   | FAILED_TO_PARSE | one statement",
      "{explain: {find: 'c', filter: {$bad: 1}}, '$db': 'db'}               | BAD_VALUE     | $bad"})
  void badIndexReadsAndHintsAreRefused(String command, ErrorCode code, String fragment) {
    createIndexes("[{key: {a: 1}}]");
    fails(() -> reads.execute(doc(command)), code, fragment);
  }

  @Test
  void aWriteWithABadHintIsAWriteErrorAndChangesNothing() {
    insert("[{_id: 1, a: 1}]");
    assertWriteError(write("{update: 'c', updates: [{q: {a: 1}, u: {$set: {a: 2}}, hint: 'nope'}], '$db': 'db'}"),
        ErrorCode.BAD_VALUE, "does not correspond");
    assertWriteError(write("{delete: 'c', deletes: [{q: {a: 1}, limit: 0, hint: 7}], '$db': 'db'}"), ErrorCode.TYPE_MISMATCH, "hint");
    fails(() -> write("{findAndModify: 'c', query: {a: 1}, remove: true, hint: 'nope', '$db': 'db'}"), ErrorCode.BAD_VALUE, "does not correspond");
    assertThat(findIds("{a: 1}")).containsExactly(1);
  }

  @Test
  void dropIndexesByNameKeyListOrAllButId() {
    createIndexes("[{key: {a: 1}}, {key: {b: 1}}, {key: {c: -1}}, {key: {d: 1}}]");
    assertThat(write("{dropIndexes: 'c', index: 'a_1', '$db': 'db'}").getInt32("nIndexesWas").getValue()).isEqualTo(5);
    write("{dropIndexes: 'c', index: {c: -1}, '$db': 'db'}");
    assertThat(indexNames()).containsExactly("_id_", "b_1", "d_1");
    write("{dropIndexes: 'c', index: ['b_1'], '$db': 'db'}");
    write("{dropIndexes: 'c', index: '*', '$db': 'db'}");
    assertThat(indexNames()).containsExactly("_id_");
    insert("[{_id: 1, d: 1}]");
    assertThat(plan("{d: 1}")).isEqualTo("COLLSCAN");
  }

  @Test
  void renameCarriesTheIndexesAndDropForgetsThem() {
    createIndexes("[{key: {a: 1}, unique: true}]");
    insert("[{_id: 1, a: 1}]");
    write("{renameCollection: 'db.c', to: 'db.d', '$db': 'admin'}");
    assertThat(reads.execute(doc("{listIndexes: 'd', '$db': 'db'}")).getDocument("cursor").getArray("firstBatch")).hasSize(2);
    assertWriteError(write("{insert: 'd', documents: [{_id: 2, a: 1}], '$db': 'db'}"), ErrorCode.DUPLICATE_KEY, "db.d index: a_1");
    assertThat(write("{drop: 'd', '$db': 'db'}").getInt32("nIndexesWas").getValue()).isEqualTo(2);
    write("{insert: 'd', documents: [{_id: 2, a: 1}, {_id: 3, a: 1}], '$db': 'db'}");
    assertThat(reads.execute(doc("{listIndexes: 'd', '$db': 'db'}")).getDocument("cursor").getArray("firstBatch")).hasSize(1);
  }

  @Test
  void theSameIndexCommandsGiveTheSameDigestOnTwoStores() {
    MapDbDocumentStore other = MapDbDocumentStore.inMemory();
    try {
      WriteExecutor otherWrites = new WriteExecutor(other);
      for (String command : List.of("{insert: 'c', documents: [{_id: 1, a: [3, 1]}, {_id: 2, a: 2}], '$db': 'db'}",
          "{createIndexes: 'c', indexes: [{key: {a: 1}}], '$db': 'db'}", "{update: 'c', updates: [{q: {a: 1}, u: {$set: {a: 5}}}], '$db': 'db'}")) {
        write(command);
        otherWrites.apply(CONTEXT, doc(command));
      }
      assertThat(other.digest()).isEqualTo(store.digest());
      write("{dropIndexes: 'c', index: '*', '$db': 'db'}");
      assertThat(other.digest()).isNotEqualTo(store.digest());
    } finally {
      other.close();
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "[]                                         | BAD_VALUE                  | at least one index",
      "[5]                                        | TYPE_MISMATCH              | createIndexes.indexes.0",
      "[{name: 'x'}]                              | FAILED_TO_PARSE            | 'key' field is a required",
      "[{key: 1}]                                 | TYPE_MISMATCH              | createIndexes.indexes.0.key",
      "[{key: {}}]                                | CANNOT_CREATE_INDEX        | empty",
      "[{key: {a: 'text'}}]                       | CANNOT_CREATE_INDEX        | not 'text'",
      "[{key: {a: 0}}]                            | CANNOT_CREATE_INDEX        | must be 1 (ascending) or -1",
      "[{key: {a: true}}]                         | CANNOT_CREATE_INDEX        | must be 1 (ascending) or -1",
      "[{key: {'$a': 1}}]                         | CANNOT_CREATE_INDEX        | '$a'",
      "[{key: {'a..b': 1}}]                       | CANNOT_CREATE_INDEX        | 'a..b'",
      "[{key: {'a.0.b': 1}}]                      | CANNOT_CREATE_INDEX        | numeric parts",
      "[{key: {a: 1}, name: 5}]                   | TYPE_MISMATCH              | createIndexes.indexes.0.name",
      "[{key: {a: 1}, name: '*'}]                 | CANNOT_CREATE_INDEX        | '*'",
      "[{key: {a: 1}, bogus: 1}]                  | INVALID_INDEX_SPECIFICATION_OPTION | 'bogus'",
      "[{key: {a: 1}, expireAfterSeconds: 5}]     | CANNOT_CREATE_INDEX        | 'expireAfterSeconds'",
      "[{key: {a: 1}, unique: 'yes'}]             | TYPE_MISMATCH              | unique",
      "[{key: {_id: 1}, unique: true}]            | INVALID_INDEX_SPECIFICATION_OPTION | always unique",
      "[{key: {_id: 1}, name: 'other'}]           | INDEX_OPTIONS_CONFLICT     | a different name",
      "[{key: {a: 1}}, {key: {b: 1}, name: 'a_1'}] | INDEX_KEY_SPECS_CONFLICT  | same name",
      "[{key: {a: 1}}, {key: {a: 1}, name: 'x'}]  | INDEX_OPTIONS_CONFLICT     | a different name",
      "[{key: {a: 1}}, {key: {a: 1}, unique: true}] | INDEX_OPTIONS_CONFLICT   | different options"})
  void badIndexSpecsAreRefusedAndNothingIsBuilt(String specs, ErrorCode code, String fragment) {
    insert("[{_id: 1, a: 1}]");
    fails(() -> createIndexes(specs), code, fragment);
    assertThat(indexNames()).containsExactly("_id_");
  }

  @Test
  void atMostSixtyFourIndexesPerCollection() {
    StringBuilder specs = new StringBuilder("[");
    for (int i = 0; i < 63; i++) {
      specs.append(i == 0 ? "" : ", ").append("{key: {f").append(i).append(": 1}}");
    }
    createIndexes(specs + "]");
    fails(() -> createIndexes("[{key: {g: 1}}]"), ErrorCode.CANNOT_CREATE_INDEX, "too many indexes");
    assertThat(indexNames()).hasSize(64);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "{dropIndexes: 'nope', index: 'a_1', '$db': 'db'} | NAMESPACE_NOT_FOUND | ns not found db.nope",
      "{dropIndexes: 'c', index: 'zz', '$db': 'db'}     | INDEX_NOT_FOUND     | [zz]",
      "{dropIndexes: 'c', index: ['a_1', 'zz'], '$db': 'db'} | INDEX_NOT_FOUND | [zz]",
      "{dropIndexes: 'c', index: {q: 1}, '$db': 'db'}   | INDEX_NOT_FOUND     | {\"q\": 1}",
      "{dropIndexes: 'c', index: '_id_', '$db': 'db'}   | INVALID_OPTIONS     | cannot drop _id index",
      "{dropIndexes: 'c', index: {_id: 1}, '$db': 'db'} | INVALID_OPTIONS     | cannot drop _id index",
      "{dropIndexes: 'c', index: 5, '$db': 'db'}        | TYPE_MISMATCH       | dropIndexes.index",
      "{dropIndexes: 'c', '$db': 'db'}                  | FAILED_TO_PARSE     | dropIndexes.index"})
  void badDropsAreRefusedAndDropNothing(String command, ErrorCode code, String fragment) {
    createIndexes("[{key: {a: 1}}]");
    fails(() -> write(command), code, fragment);
    assertThat(indexNames()).containsExactly("_id_", "a_1");
  }

  @Test
  void explainShowsTheBoundsOfTheIndexScan() {
    createIndexes("[{key: {a: 1}}]");
    BsonDocument scan = explain("{find: 'c', filter: {a: {$gt: 5}}}").getDocument("queryPlanner").getDocument("winningPlan")
        .getDocument("inputStage");
    assertThat(scan.getDocument("keyPattern")).isEqualTo(doc("{a: 1}"));
    assertThat(scan.getDocument("indexBounds").getArray("a").getValues()).extracting(BsonValue::asString)
        .extracting(s -> s.getValue()).containsExactly("[5, end of numbers]");
  }
}
