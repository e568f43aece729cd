package io.sluice.statemachine.engine;

import static io.sluice.statemachine.engine.Bson.assertFails;
import static io.sluice.statemachine.engine.Bson.doc;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.sluice.protocol.ErrorCode;
import java.util.List;
import java.util.stream.Stream;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AggregationTest {
  /** The {@code sales} collection of MongoDB's {@code $group} manual page. */
  private static final String SALES = """
      [{_id: 1, item: 'abc', price: NumberDecimal('10'), quantity: 2, date: ISODate('2014-03-01T08:00:00Z')},
       {_id: 2, item: 'jkl', price: NumberDecimal('20'), quantity: 1, date: ISODate('2014-03-01T09:00:00Z')},
       {_id: 3, item: 'xyz', price: NumberDecimal('5'), quantity: 10, date: ISODate('2014-03-15T09:00:00Z')},
       {_id: 4, item: 'xyz', price: NumberDecimal('5'), quantity: 20, date: ISODate('2014-04-04T11:21:39.736Z')},
       {_id: 5, item: 'abc', price: NumberDecimal('10'), quantity: 10, date: ISODate('2014-04-04T21:23:13.331Z')},
       {_id: 6, item: 'def', price: NumberDecimal('7.5'), quantity: 5, date: ISODate('2015-06-04T05:08:13Z')},
       {_id: 7, item: 'def', price: NumberDecimal('7.5'), quantity: 10, date: ISODate('2015-09-10T08:43:00Z')},
       {_id: 8, item: 'abc', price: NumberDecimal('10'), quantity: 5, date: ISODate('2016-02-06T20:20:13Z')}]""";

  /** The {@code scores} collection of MongoDB's {@code $count} manual page. */
  private static final String SCORES = """
      [{_id: 1, subject: 'History', score: 88}, {_id: 2, subject: 'History', score: 92},
       {_id: 3, subject: 'History', score: 97}, {_id: 4, subject: 'History', score: 71},
       {_id: 5, subject: 'History', score: 79}, {_id: 6, subject: 'History', score: 83}]""";

  private static final String MIXED = """
      [{_id: 1, k: 1, v: 5}, {_id: 2, k: 1.0, v: null}, {_id: 3, k: NumberLong(1), v: 'text'},
       {_id: 4, k: null, v: 2147483647}, {_id: 5, v: 1}, {_id: 6, k: 'b', v: [1, 2]}]""";

  static Stream<Arguments> pipelines() {
    return Stream.of(
        // MongoDB's $group manual page
        arguments("count the documents", SALES, "[{$group: {_id: null, count: {$count: {}}}}]", "[{_id: null, count: 8}]"),
        arguments("the distinct items", SALES, "[{$group: {_id: '$item'}}]", "[{_id: 'abc'}, {_id: 'jkl'}, {_id: 'xyz'}, {_id: 'def'}]"),
        arguments("sales per item over 100", SALES, """
            [{$group: {_id: '$item', totalSaleAmount: {$sum: {$multiply: ['$price', '$quantity']}}}},
             {$match: {totalSaleAmount: {$gte: 100}}}]""",
            "[{_id: 'abc', totalSaleAmount: NumberDecimal('170')}, {_id: 'xyz', totalSaleAmount: NumberDecimal('150')},"
                + " {_id: 'def', totalSaleAmount: NumberDecimal('112.5')}]"),
        arguments("totals, average and count over everything", SALES, """
            [{$group: {_id: null, totalSaleAmount: {$sum: {$multiply: ['$price', '$quantity']}},
                       averageQuantity: {$avg: '$quantity'}, count: {$sum: 1}}}]""",
            "[{_id: null, totalSaleAmount: NumberDecimal('452.5'), averageQuantity: 7.875, count: 8}]"),
        arguments("sorted by total, descending", SALES, """
            [{$group: {_id: '$item', qty: {$sum: '$quantity'}}}, {$sort: {qty: -1, _id: 1}}]""",
            "[{_id: 'xyz', qty: 30}, {_id: 'abc', qty: 17}, {_id: 'def', qty: 15}, {_id: 'jkl', qty: 1}]"),
        arguments("$first, $last, $min, $max, $push, $addToSet per group", SALES, """
            [{$match: {item: {$in: ['abc', 'def']}}},
             {$group: {_id: '$item', first: {$first: '$_id'}, last: {$last: '$_id'}, least: {$min: '$quantity'},
                       most: {$max: '$quantity'}, all: {$push: '$quantity'}, prices: {$addToSet: '$price'}}}]""",
            "[{_id: 'abc', first: 1, last: 8, least: 2, most: 10, all: [2, 10, 5], prices: [NumberDecimal('10')]},"
                + " {_id: 'def', first: 6, last: 7, least: 5, most: 10, all: [5, 10], prices: [NumberDecimal('7.5')]}]"),
        arguments("a compound _id", SALES, """
            [{$match: {quantity: {$gte: 10}}}, {$group: {_id: {item: '$item', big: {$gte: ['$quantity', 20]}}, n: {$sum: 1}}}]""",
            "[{_id: {item: 'xyz', big: false}, n: 1}, {_id: {item: 'xyz', big: true}, n: 1},"
                + " {_id: {item: 'abc', big: false}, n: 1}, {_id: {item: 'def', big: false}, n: 1}]"),
        // MongoDB's $count manual page
        arguments("$count after $match", SCORES, "[{$match: {score: {$gt: 80}}}, {$count: 'passing_scores'}]", "[{passing_scores: 4}]"),
        arguments("$count of nothing is no document", SCORES, "[{$match: {score: {$gt: 100}}}, {$count: 'n'}]", "[]"),
        // accumulator semantics
        arguments("numbers equal across types are one group; missing groups with null", MIXED,
            "[{$group: {_id: '$k', ids: {$push: '$_id'}}}]",
            "[{_id: 1, ids: [1, 2, 3]}, {_id: null, ids: [4, 5]}, {_id: 'b', ids: [6]}]"),
        arguments("$sum ignores non-numbers and widens an int overflow to a long", MIXED,
            "[{$group: {_id: null, s: {$sum: '$v'}}}]", "[{_id: null, s: NumberLong('2147483653')}]"),
        arguments("$sum of nothing numeric is 0, $avg null", MIXED,
            "[{$match: {k: 'b'}}, {$group: {_id: null, s: {$sum: '$v'}, a: {$avg: '$v'}}}]", "[{_id: null, s: 0, a: null}]"),
        arguments("$min and $max ignore null and missing", MIXED,
            "[{$match: {_id: {$in: [2, 5]}}}, {$group: {_id: null, lo: {$min: '$v'}, hi: {$max: '$k'}}}]",
            "[{_id: null, lo: 1, hi: 1.0}]"),
        arguments("$first and $last take missing as null; $push skips it", MIXED,
            "[{$match: {_id: {$gte: 4}}}, {$group: {_id: null, f: {$first: '$k'}, l: {$last: '$nope'}, p: {$push: '$k'}}}]",
            "[{_id: null, f: null, l: null, p: [null, 'b']}]"),
        arguments("$addToSet keeps one of numbers equal across types", MIXED,
            "[{$group: {_id: null, ks: {$addToSet: '$k'}}}]", "[{_id: null, ks: [1, null, 'b']}]"),
        arguments("$avg of ints is a double", MIXED, "[{$match: {_id: {$in: [1, 5]}}}, {$group: {_id: null, a: {$avg: '$v'}}}]",
            "[{_id: null, a: 3.0}]"),
        // the other stages
        arguments("$sort, $skip and $limit", SCORES, "[{$sort: {score: -1}}, {$skip: 1}, {$limit: 2}, {$project: {_id: 1}}]",
            "[{_id: 2}, {_id: 1}]"),
        arguments("$limit as a whole double", SCORES, "[{$limit: 1.0}, {$project: {score: 1}}]", "[{_id: 1, score: 88}]"),
        arguments("$skip past the end", SCORES, "[{$skip: 10}]", "[]"),
        arguments("a later $match, $addFields and $unset", SCORES,
            "[{$addFields: {pass: {$gt: ['$score', 90]}}}, {$match: {pass: true}}, {$unset: ['subject', 'pass']}]",
            "[{_id: 2, score: 92}, {_id: 3, score: 97}]"),
        arguments("$replaceWith after $group", SALES,
            "[{$group: {_id: '$item', n: {$sum: 1}}}, {$match: {n: 3}}, {$replaceWith: {item: '$_id'}}]",
            "[{item: 'abc'}]"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("pipelines")
  void runsLikeMongoDB(String what, String collection, String pipeline, String expected) {
    assertThat(render(aggregate(collection, pipeline))).isEqualTo(render(array(expected)));
  }

  /** Values of v, then the expected $sum and $avg of them: exact totals, typed by the final total. */
  @ParameterizedTest(name = "{0}: $sum {1}, $avg {2}")
  @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
      "[2147483647, 1, -1]                                      | 2147483647                      | 715827882.3333334",
      "[2147483647, 1]                                          | NumberLong('2147483648')        | 1.073741824E9",
      "[NumberLong('9223372036854775807'), 1, -1]              | NumberLong('9223372036854775807') | 3.0744573456182584E18",
      "[0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]      | 1.0                             | 0.1",
      "[1, 2]                                                   | 3                               | 1.5",
      "[NumberDecimal('1.5'), 1]                                | NumberDecimal('2.5')            | NumberDecimal('1.25')",
      "[1, Infinity, 2]                                         | Infinity                        | Infinity",
      "[Infinity, -Infinity]                                    | NaN                             | NaN",
      "['x', null, true]                                        | 0                               | null"})
  void sumAndAvgAreExact(String values, String sum, String avg) {
    List<BsonDocument> docs = array(values).stream().map(v -> new BsonDocument("v", v)).toList();
    List<BsonDocument> result = Aggregation.compile(array("[{$group: {_id: null, s: {$sum: '$v'}, a: {$avg: '$v'}}}]")).run(docs);
    assertThat(render(result)).isEqualTo(render(List.of(doc("{_id: null, s: " + sum + ", a: " + avg + "}"))));
  }

  @Test
  void aLeadingMatchIsTheScanFilterAndTheRestRunsAfterIt() {
    Aggregation aggregation = Aggregation.compile(array("[{$match: {score: {$gt: 90}}}, {$count: 'n'}]"));
    List<BsonDocument> scores = documents(SCORES);
    assertThat(scores.stream().filter(aggregation.scanFilter()::matches).map(d -> d.getInt32("_id").getValue())).containsExactly(2, 3);
    // run() takes what the scan found; it does not filter again.
    assertThat(aggregation.run(scores)).containsExactly(doc("{n: 6}"));
  }

  @Test
  void runningDoesNotChangeTheInput() {
    List<BsonDocument> sales = documents(SALES);
    String before = render(sales);
    aggregate(sales, "[{$addFields: {x: 1}}, {$unset: 'item'}, {$group: {_id: '$x', all: {$push: '$$ROOT'}}}]");
    assertThat(render(sales)).isEqualTo(before);
  }

  static Stream<Arguments> badPipelines() {
    return Stream.of(
        arguments("[{$group: {total: {$sum: 1}}}]", ErrorCode.BAD_VALUE, "must include an _id"),
        arguments("[{$group: 1}]", ErrorCode.BAD_VALUE, "must be specified in an object"),
        arguments("[{$group: {_id: null, 'a.b': {$sum: 1}}}]", ErrorCode.BAD_VALUE, "'a.b' cannot contain '.'"),
        arguments("[{$group: {_id: null, '': {$sum: 1}}}]", ErrorCode.BAD_VALUE, "must not be empty"),
        arguments("[{$match: {}}, {$changeStream: {}}]", ErrorCode.BAD_VALUE, "only valid as the first stage"),
        arguments("[{$group: {_id: null, n: 1}}]", ErrorCode.BAD_VALUE, "The field 'n' must be an accumulator object"),
        arguments("[{$group: {_id: null, n: {$sum: 1, $avg: 1}}}]", ErrorCode.BAD_VALUE, "must specify one accumulator"),
        arguments("[{$group: {_id: null, n: {$median: '$a'}}}]", ErrorCode.BAD_VALUE, "unknown group operator '$median'"),
        arguments("[{$group: {_id: null, n: {$count: 1}}}]", ErrorCode.BAD_VALUE, "$count takes no arguments"),
        arguments("[{$group: {_id: null, n: {$sum: ['$a', '$b']}}}]", ErrorCode.BAD_VALUE, "$sum accumulator is a unary operator"),
        arguments("[{$group: {_id: {$nope: 1}}}]", ErrorCode.INVALID_PIPELINE_OPERATOR, "$nope"),
        arguments("[{$limit: 0}]", ErrorCode.BAD_VALUE, "the limit must be positive"),
        arguments("[{$limit: 1.5}]", ErrorCode.BAD_VALUE, "Cannot represent as a 64-bit integer"),
        arguments("[{$limit: 'x'}]", ErrorCode.BAD_VALUE, "$limit"),
        arguments("[{$skip: -1}]", ErrorCode.BAD_VALUE, "non-negative"),
        arguments("[{$sort: {}}]", ErrorCode.BAD_VALUE, "at least one sort key"),
        arguments("[{$sort: {a: 2}}]", ErrorCode.BAD_VALUE, "must be 1"),
        arguments("[{$count: ''}]", ErrorCode.BAD_VALUE, "non-empty string"),
        arguments("[{$count: '$n'}]", ErrorCode.BAD_VALUE, "$-prefixed"),
        arguments("[{$count: 'a.b'}]", ErrorCode.BAD_VALUE, "cannot contain '.'"),
        arguments("[{$match: 1}]", ErrorCode.BAD_VALUE, "match filter must be an expression in an object"),
        arguments("[{$lookup: {from: 'x'}}]", ErrorCode.BAD_VALUE, "$lookup is not supported by Sluice's aggregate"),
        arguments("[{$frobnicate: {}}]", ErrorCode.UNRECOGNIZED_PIPELINE_STAGE, "'$frobnicate'"),
        arguments("[{$limit: 1, $skip: 1}]", ErrorCode.BAD_VALUE, "exactly one field"),
        arguments("[1]", ErrorCode.BAD_VALUE, "must be an object"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badPipelines")
  void aBadPipelineFailsToCompileWithMongoDBsError(String pipeline, ErrorCode code, String fragment) {
    assertFails(() -> Aggregation.compile(array(pipeline)), code, fragment);
  }

  @Test
  void aGroupCollectingMoreThan100MiBFailsInsteadOfExhaustingTheHeap() {
    BsonDocument big = new BsonDocument("s", new org.bson.BsonString("x".repeat(1024 * 1024)));
    List<BsonDocument> docs = java.util.Collections.nCopies(101, big);
    assertFails(() -> Aggregation.compile(array("[{$group: {_id: null, all: {$push: '$s'}}}]")).run(docs),
        ErrorCode.EXCEEDED_MEMORY_LIMIT, "$push used too much memory");
    assertThat(Aggregation.compile(array("[{$group: {_id: null, all: {$addToSet: '$s'}}}]")).run(docs).get(0).getArray("all"))
        .as("the same value is kept once, so $addToSet stays small").hasSize(1);
  }

  @Test
  void aValueOfTheWrongTypeFailsWhenMet() {
    assertFails(() -> aggregate(SCORES, "[{$group: {_id: null, t: {$sum: {$add: ['$subject', 1]}}}}]"),
        ErrorCode.TYPE_MISMATCH, "$add only supports numeric or date types");
  }

  private static List<BsonDocument> aggregate(String collection, String pipeline) {
    return aggregate(documents(collection), pipeline);
  }

  private static List<BsonDocument> aggregate(List<BsonDocument> docs, String pipeline) {
    Aggregation aggregation = Aggregation.compile(array(pipeline));
    return aggregation.run(docs.stream().filter(aggregation.scanFilter()::matches).toList());
  }

  private static BsonArray array(String json) {
    return doc("{a: " + json + "}").getArray("a");
  }

  private static List<BsonDocument> documents(String json) {
    return array(json).stream().map(BsonValue::asDocument).toList();
  }

  /** Exact rendering: types and field order count. */
  private static String render(List<? extends BsonValue> docs) {
    return new BsonDocument("docs", new BsonArray(List.copyOf(docs))).toJson();
  }
}
