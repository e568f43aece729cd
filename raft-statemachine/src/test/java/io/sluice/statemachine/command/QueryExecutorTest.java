package io.sluice.statemachine.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import io.sluice.statemachine.storage.MapDbDocumentStore;
import java.util.Arrays;
import java.util.List;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class QueryExecutorTest {
  private final MapDbDocumentStore store = MapDbDocumentStore.inMemory();
  private final QueryExecutor executor = new QueryExecutor(store);

  private static BsonDocument doc(String json) {
    return BsonDocument.parse(json);
  }

  @BeforeEach
  void fill() {
    store.createCollection("db.people", new BsonDocument());
    store.put("db.people", doc("{_id: 3, name: 'cid', age: 35, city: 'x'}"));
    store.put("db.people", doc("{_id: 1, name: 'ann', age: 30, city: 'x'}"));
    store.put("db.people", doc("{_id: 4, name: 'dee', age: 25, city: 'x'}"));
    store.put("db.people", doc("{_id: 2, name: 'bob', age: 25, city: 'y'}"));
    store.createCollection("db.other", doc("{changeStreamPreAndPostImages: {enabled: true}}"));
    store.createCollection("dbx.c", new BsonDocument());
    store.createCollection("otherdb.c", new BsonDocument());
  }

  @AfterEach
  void close() {
    store.close();
  }

  private BsonDocument run(String json) {
    return executor.execute(doc(json));
  }

  private List<BsonDocument> find(String options) {
    BsonDocument reply = run("{find: 'people', '$db': 'db'" + (options.isEmpty() ? "" : ", " + options) + "}");
    return reply.getDocument("cursor").getArray("firstBatch").stream().map(BsonValue::asDocument).toList();
  }

  private List<Integer> findIds(String options) {
    return find(options).stream().map(d -> d.getInt32("_id").getValue()).toList();
  }

  private long count(String options) {
    return run("{count: 'people', '$db': 'db'" + (options.isEmpty() ? "" : ", " + options) + "}").getInt64("n").getValue();
  }

  private static List<Integer> ids(String csv) {
    return csv.isBlank() ? List.of() : Arrays.stream(csv.split(" ")).map(Integer::valueOf).toList();
  }

  @Test
  void findReplyHasMongoCursorShape() {
    BsonDocument reply = run("{find: 'people', filter: {_id: 1}, '$db': 'db'}");
    assertThat(reply).isEqualTo(doc("{ok: 1.0, cursor: {firstBatch: [{_id: 1, name: 'ann', age: 30, city: 'x'}], "
        + "id: NumberLong(0), ns: 'db.people'}}"));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "                                             | 1 2 3 4",
      "filter: {city: 'x'}                          | 1 3 4",
      "filter: {age: {$gte: 30}}                    | 1 3",
      "filter: {_id: 2.0}                           | 2",
      "filter: {_id: 2, city: 'x'}                  | ",
      "filter: {city: 'nowhere'}                    | ",
      "sort: {age: 1, name: -1}                     | 4 2 1 3",
      "sort: {name: -1}                             | 4 3 2 1",
      "limit: 2                                     | 1 2",
      "limit: 2, singleBatch: true                  | 1 2",
      "skip: 3                                      | 4",
      "skip: 10                                     | ",
      "skip: 1, limit: 2                            | 2 3",
      "filter: {city: 'x'}, skip: 1, limit: 1       | 3",
      "sort: {age: -1, _id: 1}, skip: 1, limit: 2   | 1 2",
      "filter: {city: 'x'}, sort: {age: 1}, limit: 2 | 4 1"})
  void findFiltersSortsSkipsAndLimits(String options, String expectedIds) {
    assertThat(findIds(options == null ? "" : options)).isEqualTo(ids(expectedIds == null ? "" : expectedIds));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "{name: 1}          | {_id: 1, name: 'ann'}",
      "{name: 1, _id: 0}  | {name: 'ann'}",
      "{age: 0, city: 0}  | {_id: 1, name: 'ann'}",
      "{}                 | {_id: 1, name: 'ann', age: 30, city: 'x'}"})
  void findAppliesProjection(String projection, String expected) {
    assertThat(find("filter: {_id: 1}, projection: " + projection)).containsExactly(doc(expected));
  }

  @Test
  void findOnMissingCollectionIsEmpty() {
    BsonDocument reply = run("{find: 'none', '$db': 'db'}");
    assertThat(reply.getDocument("cursor").getArray("firstBatch")).isEmpty();
    assertThat(reply.getDocument("cursor").getString("ns").getValue()).isEqualTo("db.none");
  }

  @Test
  void findDoesNotReturnLiveStoreDocumentsThatCallersCouldChange() {
    find("filter: {_id: 1}").get(0).put("name", new org.bson.BsonString("changed"));
    assertThat(findIds("filter: {name: 'ann'}")).containsExactly(1);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "                                     | 4",
      "query: {city: 'x'}                   | 3",
      "query: {city: 'x'}, skip: 1          | 2",
      "query: {city: 'x'}, limit: 2         | 2",
      "query: {city: 'x'}, skip: 2, limit: 5 | 1",
      "skip: 9                              | 0",
      "limit: 3                             | 3",
      "limit: -3                            | 3",
      "query: {age: 25}, limit: 1           | 1",
      "query: {_id: 4}                      | 1"})
  void countHonoursQuerySkipAndLimit(String options, long expected) {
    assertThat(count(options == null ? "" : options)).isEqualTo(expected);
  }

  @Test
  void countOfMissingCollectionIsZero() {
    assertThat(run("{count: 'none', '$db': 'db'}")).isEqualTo(doc("{ok: 1.0, n: NumberLong(0)}"));
  }

  @Test
  void listCollectionsListsOnlyThisDatabaseByName() {
    BsonDocument reply = run("{listCollections: 1, '$db': 'db'}");
    BsonDocument cursor = reply.getDocument("cursor");
    assertThat(cursor.getString("ns").getValue()).isEqualTo("db.$cmd.listCollections");
    assertThat(cursor.getArray("firstBatch")).containsExactly(
        doc("{name: 'other', type: 'collection', options: {changeStreamPreAndPostImages: {enabled: true}}, info: {readOnly: false}}"),
        doc("{name: 'people', type: 'collection', options: {}, info: {readOnly: false}}"));
  }

  @Test
  void listCollectionsOfAnotherDatabase() {
    BsonDocument reply = run("{listCollections: 1, '$db': 'otherdb'}");
    assertThat(reply.getDocument("cursor").getArray("firstBatch")).extracting(v -> v.asDocument().getString("name").getValue())
        .containsExactly("c");
  }

  @Test
  void listCollectionsAppliesItsFilter() {
    BsonDocument reply = run("{listCollections: 1, filter: {name: 'people'}, nameOnly: true, '$db': 'db'}");
    assertThat(reply.getDocument("cursor").getArray("firstBatch")).extracting(v -> v.asDocument().getString("name").getValue())
        .containsExactly("people");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "{insert: 'people', documents: [], '$db': 'db'}  | COMMAND_NOT_FOUND | 'insert'",
      "{find: 'people'}                                | FAILED_TO_PARSE   | '$db'",
      "{find: 'people', bogus: 1, '$db': 'db'}         | UNKNOWN_FIELD     | find.bogus",
      "{find: 'people', skip: -1, '$db': 'db'}         | BAD_VALUE         | find.skip",
      "{find: 'people', limit: -2, '$db': 'db'}        | BAD_VALUE         | find.limit",
      "{count: 'people', skip: -1, '$db': 'db'}        | BAD_VALUE         | count.skip",
      "{find: 'people', filter: 5, '$db': 'db'}        | TYPE_MISMATCH     | find.filter",
      "{find: 'people', limit: 'x', '$db': 'db'}       | TYPE_MISMATCH     | find.limit",
      "{find: 'people', filter: {$nope: 1}, '$db': 'db'} | BAD_VALUE       | $nope",
      "{find: '$bad', '$db': 'db'}                     | INVALID_NAMESPACE | '$bad'",
      "{listCollections: 1, '$db': ''}                 | INVALID_NAMESPACE | ''",
      "{distinct: 'people', key: 1, '$db': 'db'}                    | TYPE_MISMATCH | distinct.key",
      "{distinct: 'people', '$db': 'db'}                            | FAILED_TO_PARSE | key",
      "{distinct: 'people', key: '', '$db': 'db'}                   | BAD_VALUE     | field path",
      "{distinct: 'people', key: '$a', '$db': 'db'}                 | BAD_VALUE     | field path",
      "{distinct: 'people', key: 'a', query: {$x: 1}, '$db': 'db'}  | BAD_VALUE     | $x",
      "{aggregate: 'people', cursor: {}, '$db': 'db'}               | FAILED_TO_PARSE | pipeline",
      "{aggregate: 'people', pipeline: [], '$db': 'db'}             | FAILED_TO_PARSE | 'cursor' option is required",
      "{distinct: 'people', key: 'a', collation: {locale: 'fr'}, '$db': 'db'} | BAD_VALUE | only the simple collation",
      "{find: 'people', collation: {locale: 'en', strength: 2}, '$db': 'db'} | BAD_VALUE | only the simple collation",
      "{aggregate: 'people', pipeline: {}, cursor: {}, '$db': 'db'} | TYPE_MISMATCH | aggregate.pipeline",
      "{aggregate: 'people', pipeline: [], cursor: 1, '$db': 'db'}  | TYPE_MISMATCH | aggregate.cursor",
      "{aggregate: 'people', pipeline: [{$out: 'x'}], cursor: {}, '$db': 'db'} | BAD_VALUE | $out is not supported",
      "{aggregate: 'people', pipeline: [], explain: true, '$db': 'db'} | BAD_VALUE  | explain",
      "{aggregate: 'people', pipeline: [], bogus: 1, '$db': 'db'}   | UNKNOWN_FIELD | aggregate.bogus"})
  void badReadsAreRejected(String command, ErrorCode code, String fragment) {
    SluiceException e = catchThrowableOfType(SluiceException.class, () -> run(command));
    assertThat(e).isNotNull();
    assertThat(e.errorCode()).as(e.getMessage()).isEqualTo(code);
    assertThat(e.reason()).contains(fragment);
  }

  @Test
  void countWithMostNegativeLimitIsNeverNegative() {
    assertThat(count("limit: NumberLong('-9223372036854775808')")).isNotNegative();
  }

  private List<BsonDocument> aggregate(String pipeline) {
    BsonDocument reply = run("{aggregate: 'people', pipeline: " + pipeline + ", cursor: {}, '$db': 'db'}");
    return reply.getDocument("cursor").getArray("firstBatch").stream().map(BsonValue::asDocument).toList();
  }

  @Test
  void aggregateRunsThePipelineOverTheCollection() {
    assertThat(aggregate("[{$match: {age: {$lt: 35}}}, {$group: {_id: '$city', n: {$sum: 1}, names: {$push: '$name'}}}, {$sort: {_id: 1}}]"))
        .containsExactly(doc("{_id: 'x', n: 2, names: ['ann', 'dee']}"), doc("{_id: 'y', n: 1, names: ['bob']}"));
    assertThat(aggregate("[]")).extracting(d -> d.getInt32("_id").getValue()).containsExactly(1, 2, 3, 4);
    assertThat(aggregate("[{$count: 'n'}]")).containsExactly(doc("{n: 4}"));
  }

  @Test
  void aggregateOfAMissingCollectionIsEmpty() {
    BsonDocument reply = run("{aggregate: 'nothing', pipeline: [{$count: 'n'}], cursor: {}, '$db': 'db'}");
    assertThat(reply.getDocument("cursor").getArray("firstBatch")).isEmpty();
    assertThat(reply.getDocument("cursor").getString("ns").getValue()).isEqualTo("db.nothing");
  }

  @Test
  void distinctGivesEachValueOnceInBsonOrderWithArrayElementsAsValues() {
    store.put("db.people", doc("{_id: 5, name: 'eve', age: 25.0, city: ['z', 'x', ['w']], pets: [{kind: 'cat'}, {kind: ['dog', 'cat']}]}"));
    assertDistinct("key: 'city'", "['x', 'y', 'z', ['w']]");
    assertDistinct("key: 'age'", "[25, 30, 35]");
    assertDistinct("key: 'pets.kind'", "['cat', 'dog']");
    assertDistinct("key: 'name', query: {city: 'x'}", "['ann', 'cid', 'dee', 'eve']");
    assertDistinct("key: 'nothing'", "[]");
  }

  /** Asserts the distinct values equal {@code expected} (shell-style JSON), types included. */
  private void assertDistinct(String options, String expected) {
    BsonDocument reply = run("{distinct: 'people', '$db': 'db', " + options + "}");
    assertThat(reply.getArray("values")).as(options).isEqualTo(doc("{v: " + expected + "}").getArray("v"));
  }
}
