package io.sluice.statemachine.engine;

import static io.sluice.statemachine.engine.Bson.assertFails;
import static io.sluice.statemachine.engine.Bson.doc;
import static io.sluice.statemachine.engine.Bson.val;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.sluice.protocol.ErrorCode;
import java.util.stream.Stream;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class FilterTest {

  static Stream<Arguments> cases() {
    return Stream.of(
        // implicit equality, numbers across types
        arguments("equality on a field", "{a: 1}", "{a: 1}", true),
        arguments("equality fails on another value", "{a: 1}", "{a: 2}", false),
        arguments("int equals long equals double", "{a: 1}", "{a: NumberLong(1)}", true),
        arguments("double equals int", "{a: 1.0}", "{a: 1}", true),
        arguments("decimal equals int", "{a: NumberDecimal('1.00')}", "{a: 1}", true),
        arguments("equality does not cross type brackets", "{a: 1}", "{a: '1'}", false),
        arguments("equality to a whole document", "{a: {x: 1, y: 2}}", "{a: {x: 1, y: 2}}", true),
        arguments("document equality is order sensitive", "{a: {x: 1, y: 2}}", "{a: {y: 2, x: 1}}", false),
        arguments("equality to a whole array", "{a: [1, 2]}", "{a: [1, 2]}", true),
        arguments("array equality is order sensitive", "{a: [1, 2]}", "{a: [2, 1]}", false),
        arguments("scalar equality matches an array element", "{a: 2}", "{a: [1, 2, 3]}", true),
        arguments("array equality matches a nested array element", "{a: [1, 2]}", "{a: [[1, 2], 3]}", true),
        arguments("equality on a missing field fails", "{a: 1}", "{b: 1}", false),
        arguments("null matches a missing field", "{a: null}", "{b: 1}", true),
        arguments("null matches a null field", "{a: null}", "{a: null}", true),
        arguments("null does not match a value", "{a: null}", "{a: 0}", false),
        arguments("null matches a null array element", "{a: null}", "{a: [1, null]}", true),
        arguments("null does not match an empty array", "{a: null}", "{a: []}", false),
        arguments("null matches an array document missing the field", "{'a.b': null}", "{a: [{b: 1}, {c: 1}]}", true),
        arguments("null on a path through scalars in an array fails", "{'a.b': null}", "{a: [1, 2]}", false),
        arguments("null on a path through a scalar matches", "{'a.b': null}", "{a: 5}", true),
        // dotted paths and arrays
        arguments("dotted path into a document", "{'a.b': 1}", "{a: {b: 1}}", true),
        arguments("dotted path through an array of documents", "{'a.b': 2}", "{a: [{b: 1}, {b: 2}]}", true),
        arguments("dotted path through an array matches no element", "{'a.b': 3}", "{a: [{b: 1}, {b: 2}]}", false),
        arguments("numeric component indexes the array", "{'a.1': 'y'}", "{a: ['x', 'y']}", true),
        arguments("numeric component checks only that index", "{'a.0': 'y'}", "{a: ['x', 'y']}", false),
        arguments("numeric component then field", "{'a.0.b': 1}", "{a: [{b: 1}, {b: 2}]}", true),
        arguments("numeric component on a document is a field name", "{'a.0': 1}", "{a: {'0': 1}}", true),
        arguments("path through nested arrays of documents", "{'a.b.c': 3}", "{a: [{b: [{c: 1}, {c: 3}]}]}", true),
        // $eq $ne
        arguments("$eq like implicit equality", "{a: {$eq: 5}}", "{a: [4, 5]}", true),
        arguments("$eq with an operator-looking document is literal", "{a: {$eq: {$gt: 1}}}", "{a: {$gt: 1}}", true),
        arguments("$ne on a different value", "{a: {$ne: 5}}", "{a: 4}", true),
        arguments("$ne on the value", "{a: {$ne: 5}}", "{a: 5}", false),
        arguments("$ne on a missing field", "{a: {$ne: 5}}", "{}", true),
        arguments("$ne fails if any array element equals", "{a: {$ne: 5}}", "{a: [4, 5]}", false),
        arguments("$ne null fails on missing", "{a: {$ne: null}}", "{}", false),
        arguments("$ne null matches a value", "{a: {$ne: null}}", "{a: 0}", true),
        // comparisons
        arguments("$gt on a number", "{a: {$gt: 5}}", "{a: 6}", true),
        arguments("$gt equal value", "{a: {$gt: 5}}", "{a: 5}", false),
        arguments("$gt across numeric types", "{a: {$gt: 5}}", "{a: NumberDecimal('5.0000001')}", true),
        arguments("$gt does not match a string", "{a: {$gt: 5}}", "{a: 'zzz'}", false),
        arguments("$lt does not match null", "{a: {$lt: 5}}", "{a: null}", false),
        arguments("$lt does not match missing", "{a: {$lt: 5}}", "{}", false),
        arguments("$gte equal value", "{a: {$gte: 5}}", "{a: 5.0}", true),
        arguments("$lte on a string", "{a: {$lte: 'b'}}", "{a: 'abc'}", true),
        arguments("$lte on an array element", "{a: {$lte: 1}}", "{a: [3, 1]}", true),
        arguments("range may be met by different elements", "{a: {$gt: 5, $lt: 3}}", "{a: [1, 9]}", true),
        arguments("range on a scalar", "{a: {$gt: 1, $lt: 3}}", "{a: 5}", false),
        arguments("$gte null matches missing", "{a: {$gte: null}}", "{}", true),
        arguments("$gt null matches nothing", "{a: {$gt: null}}", "{a: 1}", false),
        arguments("$gt MinKey matches any value", "{a: {$gt: MinKey}}", "{a: 'x'}", true),
        arguments("$lt MaxKey matches any value", "{a: {$lt: MaxKey}}", "{a: {b: 1}}", true),
        arguments("NaN is not below a number", "{a: {$lt: 5}}", "{a: NaN}", false),
        arguments("$gte NaN matches NaN", "{a: {$gte: NaN}}", "{a: NaN}", true),
        arguments("$gt on dates", "{a: {$gt: {$date: 1000}}}", "{a: {$date: 2000}}", true),
        arguments("$gt compares documents", "{a: {$gt: {x: 1}}}", "{a: {x: 2}}", true),
        // $in $nin
        arguments("$in matches a listed value", "{a: {$in: [1, 'x']}}", "{a: 'x'}", true),
        arguments("$in across numeric types", "{a: {$in: [1]}}", "{a: 1.0}", true),
        arguments("$in against an array field", "{a: {$in: [5, 6]}}", "{a: [1, 6]}", true),
        arguments("$in with a whole array", "{a: {$in: [[1, 2]]}}", "{a: [1, 2]}", true),
        arguments("$in misses", "{a: {$in: [5, 6]}}", "{a: [1, 2]}", false),
        arguments("$in with null matches missing", "{a: {$in: [null]}}", "{}", true),
        arguments("$in empty matches nothing", "{a: {$in: []}}", "{a: 1}", false),
        arguments("$nin matches an unlisted value", "{a: {$nin: [1, 2]}}", "{a: 3}", true),
        arguments("$nin fails if an array element is listed", "{a: {$nin: [1, 2]}}", "{a: [3, 2]}", false),
        arguments("$nin matches missing", "{a: {$nin: [1]}}", "{}", true),
        // $exists
        arguments("$exists true on a null field", "{a: {$exists: true}}", "{a: null}", true),
        arguments("$exists true on missing", "{a: {$exists: true}}", "{b: 1}", false),
        arguments("$exists false on missing", "{a: {$exists: false}}", "{b: 1}", true),
        arguments("$exists 1 is true", "{a: {$exists: 1}}", "{a: 1}", true),
        arguments("$exists 0 is false", "{a: {$exists: 0}}", "{a: 1}", false),
        arguments("$exists through an array of documents", "{'a.b': {$exists: true}}", "{a: [{c: 1}, {b: 1}]}", true),
        arguments("$exists false needs every branch missing", "{'a.b': {$exists: false}}", "{a: [{c: 1}, {b: 1}]}", false),
        arguments("$exists on an empty array", "{a: {$exists: true}}", "{a: []}", true),
        // $not
        arguments("$not negates a comparison", "{a: {$not: {$gt: 5}}}", "{a: 3}", true),
        arguments("$not matches a missing field", "{a: {$not: {$gt: 5}}}", "{}", true),
        arguments("$not matches another type", "{a: {$not: {$gt: 5}}}", "{a: 'x'}", true),
        arguments("$not of a range", "{a: {$not: {$gt: 1, $lt: 5}}}", "{a: 3}", false),
        // logical
        arguments("top-level fields are all required", "{a: 1, b: 2}", "{a: 1, b: 3}", false),
        arguments("$and of clauses", "{$and: [{a: 1}, {b: 2}]}", "{a: 1, b: 2}", true),
        arguments("$and fails on one clause", "{$and: [{a: 1}, {b: 2}]}", "{a: 1}", false),
        arguments("$or of clauses", "{$or: [{a: 1}, {b: 2}]}", "{b: 2}", true),
        arguments("$or fails on all clauses", "{$or: [{a: 1}, {b: 2}]}", "{a: 2, b: 1}", false),
        arguments("$nor of clauses", "{$nor: [{a: 1}, {b: 2}]}", "{a: 2}", true),
        arguments("$nor fails on one clause", "{$nor: [{a: 1}, {b: 2}]}", "{b: 2}", false),
        arguments("nested logical operators", "{$or: [{$and: [{a: 1}, {b: 1}]}, {c: {$exists: true}}]}", "{a: 1, b: 1}", true),
        arguments("$comment is ignored", "{a: 1, $comment: 'why'}", "{a: 1}", true),
        arguments("empty filter matches", "{}", "{a: 1}", true),
        arguments("DBRef-like document is compared literally", "{a: {$ref: 'c', $id: 1}}", "{a: {$ref: 'c', $id: 1}}", true));
  }

  /** As {@link #cases}; the examples from MongoDB's manual are marked so. */
  static Stream<Arguments> arrayRegexTypeAndModCases() {
    return Stream.of(
        arguments("$size of an array", "{a: {$size: 2}}", "{a: [1, [2, 3]]}", true),
        arguments("$size counts only the top level", "{a: {$size: 3}}", "{a: [1, [2, 3]]}", false),
        arguments("$size of a non-array", "{a: {$size: 1}}", "{a: 1}", false),
        arguments("$size through an array of documents", "{'a.b': {$size: 1}}", "{a: [{b: [1]}, {b: 1}]}", true),
        arguments("manual: $all of tags", "{tags: {$all: ['ssl', 'security']}}", "{tags: ['appliance', 'school', 'ssl', 'security']}", true),
        arguments("$all needs every value", "{tags: {$all: ['ssl', 'web']}}", "{tags: ['ssl', 'security']}", false),
        arguments("$all of one value matches a scalar", "{a: {$all: [5]}}", "{a: 5}", true),
        arguments("$all of an empty list matches nothing", "{a: {$all: []}}", "{a: []}", false),
        arguments("$all with $elemMatch", "{qty: {$all: [{$elemMatch: {size: 'M', num: {$gt: 50}}}]}}",
            "{qty: [{size: 'S', num: 10}, {size: 'M', num: 100}]}", true),
        arguments("manual: $elemMatch on values", "{results: {$elemMatch: {$gte: 80, $lt: 85}}}", "{results: [82, 85, 88]}", true),
        arguments("$elemMatch needs one element to satisfy all", "{results: {$elemMatch: {$gte: 80, $lt: 85}}}", "{results: [75, 88]}",
            false),
        arguments("manual: $elemMatch on documents", "{results: {$elemMatch: {product: 'xyz', score: {$gte: 8}}}}",
            "{results: [{product: 'abc', score: 10}, {product: 'xyz', score: 9}]}", true),
        arguments("$elemMatch on documents, no single element", "{results: {$elemMatch: {product: 'xyz', score: {$gte: 8}}}}",
            "{results: [{product: 'abc', score: 10}, {product: 'xyz', score: 5}]}", false),
        arguments("$elemMatch of a non-array", "{a: {$elemMatch: {$gt: 1}}}", "{a: 5}", false),
        arguments("a regex literal finds in strings", "{sku: /789$/}", "{sku: 'abc789'}", true),
        arguments("a regex literal is case sensitive", "{sku: /^ABC/}", "{sku: 'abc789'}", false),
        arguments("a regex literal with option i", "{sku: /^ABC/i}", "{sku: 'abc789'}", true),
        arguments("a regex matches an array element", "{tags: /^s/}", "{tags: ['web', 'ssl']}", true),
        arguments("a regex does not match numbers", "{a: /1/}", "{a: 1}", false),
        arguments("$regex with $options", "{sku: {$regex: '^ABC', $options: 'i'}}", "{sku: 'abc789'}", true),
        arguments("manual: $regex with option m", "{description: {$regex: '^S', $options: 'm'}}",
            "{description: 'First line\nSecond line'}", true),
        arguments("without m, ^ is the start of the string", "{description: {$regex: '^S'}}", "{description: 'First line\nSecond line'}",
            false),
        arguments("$regex beside another operator", "{a: {$regex: 'b', $ne: 'abc'}}", "{a: 'xbx'}", true),
        arguments("$in with a regex", "{a: {$in: [/^x/, 5]}}", "{a: 'xyz'}", true),
        arguments("$in with a regex and a value", "{a: {$in: [/^x/, 5]}}", "{a: 5}", true),
        arguments("$nin with a regex", "{a: {$nin: [/^x/]}}", "{a: 'xyz'}", false),
        arguments("$not with a regex", "{a: {$not: /^x/}}", "{a: 'abc'}", true),
        arguments("$not with a regex matches a missing field", "{a: {$not: /^x/}}", "{b: 1}", true),
        arguments("$type by alias", "{a: {$type: 'string'}}", "{a: 'x'}", true),
        arguments("$type by number", "{a: {$type: 2}}", "{a: 'x'}", true),
        arguments("$type number covers every numeric type", "{a: {$type: 'number'}}", "{a: NumberDecimal('1')}", true),
        arguments("$type does not match another type", "{a: {$type: 'int'}}", "{a: NumberLong(1)}", false),
        arguments("$type of a list of aliases", "{a: {$type: ['bool', 'null']}}", "{a: null}", true),
        arguments("$type matches array elements", "{a: {$type: 'string'}}", "{a: [1, 'x']}", true),
        arguments("$type array matches the array", "{a: {$type: 'array'}}", "{a: [1]}", true),
        arguments("$type of a missing field", "{a: {$type: 'null'}}", "{b: 1}", false),
        arguments("$type -1 is minKey", "{a: {$type: -1}}", "{a: {$minKey: 1}}", true),
        arguments("$type 127 is maxKey", "{a: {$type: 127}}", "{a: {$maxKey: 1}}", true),
        arguments("$type symbol", "{a: {$type: 'symbol'}}", "{a: {$symbol: 'x'}}", true),
        arguments("manual: $mod", "{qty: {$mod: [4, 0]}}", "{qty: 12}", true),
        arguments("$mod with a remainder", "{qty: {$mod: [4, 0]}}", "{qty: 13}", false),
        arguments("$mod truncates a double", "{qty: {$mod: [4, 1]}}", "{qty: 5.9}", true),
        arguments("$mod keeps the sign of the number", "{qty: {$mod: [4, -1]}}", "{qty: -5}", true),
        arguments("$mod of a string", "{qty: {$mod: [4, 0]}}", "{qty: '8'}", false),
        arguments("$mod of infinity", "{qty: {$mod: [2, 1]}}", "{qty: {$numberDouble: 'Infinity'}}", false));
  }

  @ParameterizedTest(name = "{0}: {1} on {2} -> {3}")
  @MethodSource({"cases", "arrayRegexTypeAndModCases"})
  void matchesLikeMongoDb(String behaviour, String filter, String document, boolean expected) {
    assertThat(Filter.compile(doc(filter)).matches(doc(document))).as(behaviour).isEqualTo(expected);
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        arguments("{a: {$foo: 1}}", ErrorCode.BAD_VALUE, "unknown operator: $foo"),
        arguments("{a: {$gt: 1, b: 1}}", ErrorCode.BAD_VALUE, "unknown operator: b"),
        arguments("{$foo: 1}", ErrorCode.BAD_VALUE, "unknown top level operator: $foo"),
        arguments("{a: {$in: 1}}", ErrorCode.BAD_VALUE, "$in needs an array|'a'"),
        arguments("{a: {$nin: {x: 1}}}", ErrorCode.BAD_VALUE, "$in needs an array"),
        arguments("{a: {$in: [{$gt: 1}]}}", ErrorCode.BAD_VALUE, "cannot nest $ under $in"),
        arguments("{$and: {a: 1}}", ErrorCode.BAD_VALUE, "$and must be a nonempty array"),
        arguments("{$or: []}", ErrorCode.BAD_VALUE, "$or must be a nonempty array"),
        arguments("{$nor: [1]}", ErrorCode.BAD_VALUE, "$nor entries need to be full objects"),
        arguments("{$and: [{a: {$bad: 1}}]}", ErrorCode.BAD_VALUE, "unknown operator: $bad"),
        arguments("{a: {$not: 5}}", ErrorCode.BAD_VALUE, "$not needs a regex or a document"),
        arguments("{a: {$not: {}}}", ErrorCode.BAD_VALUE, "$not cannot be empty"),
        arguments("{a: {$not: {b: 1}}}", ErrorCode.BAD_VALUE, "unknown operator: b"),
        arguments("{a: /(/}", ErrorCode.BAD_VALUE, "field 'a'|invalid regular expression '('"),
        arguments("{a: {$regex: 'x', $options: 'q'}}", ErrorCode.BAD_VALUE, "invalid flag in regex options: q"),
        arguments("{a: {$options: 'i'}}", ErrorCode.BAD_VALUE, "$options needs a $regex"),
        arguments("{a: {$regex: 5}}", ErrorCode.BAD_VALUE, "$regex has to be a string or a regex"),
        arguments("{a: {$regex: /x/i, $options: 'm'}}", ErrorCode.BAD_VALUE, "options set in both $regex and $options"),
        arguments("{a: {$size: -1}}", ErrorCode.BAD_VALUE, "$size may not be negative"),
        arguments("{a: {$size: 1.5}}", ErrorCode.BAD_VALUE, "$size needs a whole number"),
        arguments("{a: {$all: 1}}", ErrorCode.BAD_VALUE, "$all needs an array"),
        arguments("{a: {$all: [{$gt: 1}]}}", ErrorCode.BAD_VALUE, "no $ expressions in $all"),
        arguments("{a: {$elemMatch: 1}}", ErrorCode.BAD_VALUE, "$elemMatch needs an object"),
        arguments("{a: {$type: 'text'}}", ErrorCode.BAD_VALUE, "Unknown type name alias: text"),
        arguments("{a: {$type: 99}}", ErrorCode.BAD_VALUE, "Invalid numerical type code or alias: 99"),
        arguments("{a: {$type: 255}}", ErrorCode.BAD_VALUE, "Invalid numerical type code or alias: 255"),
        arguments("{a: {$type: []}}", ErrorCode.FAILED_TO_PARSE, "$type must match at least one type|'a'"),
        arguments("{a: {$mod: [4]}}", ErrorCode.BAD_VALUE, "malformed mod"),
        arguments("{a: {$mod: [0, 1]}}", ErrorCode.BAD_VALUE, "divisor cannot be 0"),
        arguments("{a: {$mod: ['x', 1]}}", ErrorCode.BAD_VALUE, "malformed mod, divisor and remainder must be finite numbers"),
        arguments("{a: {$mod: [{$numberDouble: 'NaN'}, 1]}}", ErrorCode.BAD_VALUE, "must be finite numbers|'a'"),
        arguments("{a: {$mod: [2, {$numberDouble: 'Infinity'}]}}", ErrorCode.BAD_VALUE, "must be finite numbers"));
  }

  /** Java's matcher backtracks and recurses; these would overflow the stack or run for minutes inside apply. */
  @ParameterizedTest
  @CsvSource({"^(a|b)*$, ab, 20000", "^(a*)*(\\1)b, a, 30"})
  void aRegexTooCostlyForTheTextFailsTheSameWayEverywhere(String regex, String unit, int times) {
    Filter filter = Filter.compile(new BsonDocument("a", new org.bson.BsonRegularExpression(regex)));
    String text = unit.repeat(times) + "c";
    assertFails(() -> filter.matches(new BsonDocument("a", new org.bson.BsonString(text))), ErrorCode.BAD_VALUE,
        "/" + regex + "/ is too costly", text.length() + " characters");
  }

  @ParameterizedTest(name = "{0} -> {2}")
  @MethodSource("invalid")
  void invalidFiltersFailToCompileWithBadValue(String filter, ErrorCode code, String fragments) {
    assertFails(() -> Filter.compile(doc(filter)), code, fragments.split("\\|"));
  }

  static Stream<Arguments> idEqualities() {
    return Stream.of(
        arguments("{_id: 5}", "5"),
        arguments("{_id: 'k', a: 1}", "'k'"),
        arguments("{_id: {$eq: 7}}", "7"),
        arguments("{_id: {x: 1}}", "{x: 1}"),
        arguments("{_id: null}", "null"),
        arguments("{_id: {$gt: 7}}", null),
        arguments("{_id: {$in: [1]}}", null),
        arguments("{_id: {$eq: /x/}}", null),
        arguments("{_id: [1, 2]}", null),
        arguments("{$or: [{_id: 1}, {_id: 2}]}", null),
        arguments("{a: 1}", null),
        arguments("{}", null));
  }

  @ParameterizedTest(name = "idEquality of {0} is {1}")
  @MethodSource("idEqualities")
  void idEqualityIsOnlyOfferedForOnePlainTopLevelValue(String filter, String expected) {
    if (expected == null) {
      assertThat(Filter.compile(doc(filter)).idEquality()).isEmpty();
    } else {
      assertThat(Filter.compile(doc(filter)).idEquality()).contains(val(expected));
    }
  }

  @Test
  void allMatchesEveryDocumentAndPinsNoId() {
    assertThat(Filter.all().matches(doc("{_id: 1, a: [1]}"))).isTrue();
    assertThat(Filter.all().matches(new BsonDocument())).isTrue();
    assertThat(Filter.all().idEquality()).isEmpty();
  }

  @Test
  void compiledFilterIsNotAffectedByLaterChangesToTheFilterDocument() {
    BsonDocument spec = doc("{a: {$in: [1]}}");
    Filter filter = Filter.compile(spec);
    spec.getDocument("a").getArray("$in").set(0, new BsonDouble(2));
    assertThat(filter.matches(doc("{a: 1}"))).isTrue();
    assertThat(filter.matches(doc("{a: 2}"))).isFalse();
  }
}
