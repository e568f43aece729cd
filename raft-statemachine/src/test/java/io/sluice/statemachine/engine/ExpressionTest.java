package io.sluice.statemachine.engine;

import static io.sluice.statemachine.engine.Bson.assertFails;
import static io.sluice.statemachine.engine.Bson.doc;
import static io.sluice.statemachine.engine.Bson.val;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.sluice.protocol.ErrorCode;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonNull;
import org.bson.BsonValue;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ExpressionTest {
  static final String DOC = "{_id: 1, a: 5, b: 'Hello', c: [1, 2, 3], d: {x: 1, y: 'two'}, n: null,"
      + " arr: [{k: 1}, {k: 2}, {z: 3}, 4], t: Timestamp(1700000000, 7), dt: ISODate('2024-01-02T03:04:05.678Z'),"
      + " l: NumberLong(10), dbl: 2.5, dec: NumberDecimal('1.5'), s: 'a,b,,c', oid: ObjectId('65a1b2c3d4e5f6a7b8c9d0e1'),"
      + " pat: '^he', 'p.q': 7, nested: [[{k: 9}], {k: [1, 2]}]}";

  /** Marks an expected result of "missing". */
  static final String MISSING = "<missing>";

  private static final JsonWriterSettings EXACT = JsonWriterSettings.builder().outputMode(JsonMode.EXTENDED).build();

  /** Exact rendering, so that 5, NumberLong(5) and 5.0 differ. */
  static String exact(BsonValue v) {
    return new BsonDocument("v", v).toJson(EXACT);
  }

  static Stream<Arguments> values() {
    return Stream.of(
        // literals, paths, variables
        arguments("an int literal is itself", "5", "5"),
        arguments("a plain string is a literal", "'abc'", "'abc'"),
        arguments("a field path", "'$a'", "5"),
        arguments("a dotted field path into a document", "'$d.y'", "'two'"),
        arguments("a path to a missing field is missing", "'$zz'", MISSING),
        arguments("a path through a scalar is missing", "'$a.b'", MISSING),
        arguments("a null field is null, not missing", "'$n'", "null"),
        arguments("a path through an array collects each document's value", "'$arr.k'", "[1, 2]"),
        arguments("a numeric component is a field name, not an index", "'$c.0'", "[]"),
        arguments("nested arrays are skipped by path traversal", "'$nested.k'", "[[1, 2]]"),
        arguments("a field whose name has a dot is not reachable by path", "'$p.q'", MISSING),
        arguments("$$CURRENT is the document", "'$$CURRENT.d.x'", "1"),
        arguments("$$ROOT is the document", "{$size: {$objectToArray: '$$ROOT'}}", "17"),
        arguments("$$REMOVE is missing", "'$$REMOVE'", MISSING),
        arguments("an expression object leaves out missing fields", "{p: '$a', q: '$zz', r: {s: '$d.x'}}", "{p: 5, r: {s: 1}}"),
        arguments("an array turns missing elements into null", "['$a', '$zz', 'x']", "[5, null, 'x']"),
        arguments("an empty object is an empty document", "{}", "{}"),
        arguments("$literal keeps a dollar string", "{$literal: '$a'}", "'$a'"),
        arguments("$literal keeps an operator document", "{$literal: {$add: [1, 2]}}", "{$add: [1, 2]}"),
        // comparison
        arguments("$eq across numeric types", "{$eq: [1, 1.0]}", "true"),
        arguments("$eq of a missing field and null is false", "{$eq: ['$zz', null]}", "false"),
        arguments("$eq of a null field and null is true", "{$eq: ['$n', null]}", "true"),
        arguments("$eq compares whole arrays, no element matching", "{$eq: ['$c', 2]}", "false"),
        arguments("$eq of equal documents", "{$eq: ['$d', {x: 1, y: 'two'}]}", "true"),
        arguments("$ne of different values", "{$ne: ['$a', 4]}", "true"),
        arguments("$gt orders strings above numbers", "{$gt: ['a', 5]}", "true"),
        arguments("$gte on equal values", "{$gte: ['$a', 5]}", "true"),
        arguments("$lt: missing sorts below null", "{$lt: ['$zz', null]}", "true"),
        arguments("$lte on a larger value", "{$lte: ['$a', 4]}", "false"),
        arguments("$cmp less", "{$cmp: [1, 2]}", "-1"),
        arguments("$cmp equal across types", "{$cmp: [NumberLong(2), 2.0]}", "0"),
        arguments("$cmp greater (manual: string vs number)", "{$cmp: ['abc', 100]}", "1"),
        // boolean
        arguments("$and of truthy values", "{$and: [1, 'x', true, []]}", "true"),
        arguments("$and with zero is false", "{$and: [true, 0]}", "false"),
        arguments("$and of nothing is true", "{$and: []}", "true"),
        arguments("$or of null, missing, zero and false is false", "{$or: [null, '$zz', 0, false]}", "false"),
        arguments("$or with one truthy operand", "{$or: [false, '$a']}", "true"),
        arguments("$or short-circuits before an erroring operand", "{$or: [true, {$anyElementTrue: [5]}]}", "true"),
        arguments("$and short-circuits before an erroring operand", "{$and: [false, {$size: '$zz'}]}", "false"),
        arguments("$not of zero", "{$not: [0]}", "true"),
        arguments("$not of a single operand without brackets", "{$not: '$a'}", "false"),
        arguments("$not of missing is true", "{$not: ['$zz']}", "true"),
        arguments("$not of an empty array is false (arrays are truthy)", "{$not: [[]]}", "false"),
        // conditional
        arguments("$cond array form", "{$cond: [{$gt: ['$a', 3]}, 'big', 'small']}", "'big'"),
        arguments("$cond document form", "{$cond: {if: {$gt: ['$a', 9]}, then: 'big', else: 'small'}}", "'small'"),
        arguments("$cond evaluates only the chosen branch", "{$cond: [true, 1, {$size: '$zz'}]}", "1"),
        arguments("$cond with a missing condition takes else", "{$cond: ['$zz', 1, 2]}", "2"),
        arguments("$switch takes the first true branch",
            "{$switch: {branches: [{case: {$eq: ['$a', 1]}, then: 'one'}, {case: {$eq: ['$a', 5]}, then: 'five'},"
                + " {case: true, then: 'later'}], default: 'none'}}", "'five'"),
        arguments("$switch falls back to default", "{$switch: {branches: [{case: false, then: 1}], default: 'd'}}", "'d'"),
        arguments("$switch does not evaluate later branches",
            "{$switch: {branches: [{case: true, then: 1}, {case: {$size: '$zz'}, then: 2}]}}", "1"),
        arguments("$ifNull replaces missing", "{$ifNull: ['$zz', 'default']}", "'default'"),
        arguments("$ifNull keeps a value", "{$ifNull: ['$a', 'default']}", "5"),
        arguments("$ifNull takes the first non-null of several", "{$ifNull: ['$n', '$zz', '$b', 'x']}", "'Hello'"),
        arguments("$ifNull returns a missing replacement as missing", "{$ifNull: ['$zz', '$yy']}", MISSING),
        arguments("$let binds variables", "{$let: {vars: {x: '$a', y: 2}, in: {$multiply: ['$$x', '$$y']}}}", "10"),
        // strings
        arguments("$concat strings", "{$concat: ['$b', ' ', 'World']}", "'Hello World'"),
        arguments("$concat with missing is null", "{$concat: ['$b', '$zz']}", "null"),
        arguments("$concat with null is null", "{$concat: ['$b', null]}", "null"),
        arguments("$concat of nothing is empty", "{$concat: []}", "''"),
        arguments("$toString of an int", "{$toString: '$a'}", "'5'"),
        arguments("$toString of a long", "{$toString: '$l'}", "'10'"),
        arguments("$toString of a double", "{$toString: '$dbl'}", "'2.5'"),
        arguments("$toString of an integral double has no fraction", "{$toString: 2.0}", "'2'"),
        arguments("$toString of a large double uses an exponent", "{$toString: 1.5e20}", "'1.5e+20'"),
        arguments("$toString of a small double", "{$toString: 0.0001}", "'0.0001'"),
        arguments("$toString of a tiny double uses an exponent", "{$toString: 0.00001}", "'1e-05'"),
        arguments("$toString of a decimal", "{$toString: '$dec'}", "'1.5'"),
        arguments("$toString of a boolean", "{$toString: true}", "'true'"),
        arguments("$toString of an ObjectId is its hex", "{$toString: '$oid'}", "'65a1b2c3d4e5f6a7b8c9d0e1'"),
        arguments("$toString of a date is ISO-8601 with millis", "{$toString: '$dt'}", "'2024-01-02T03:04:05.678Z'"),
        arguments("$toString of a timestamp (extension)", "{$toString: '$t'}", "'Timestamp(1700000000, 7)'"),
        arguments("$toString of a string is itself", "{$toString: '$b'}", "'Hello'"),
        arguments("$toString of null is null", "{$toString: '$n'}", "null"),
        arguments("$toString of missing is null", "{$toString: '$zz'}", "null"),
        arguments("$toLower", "{$toLower: '$b'}", "'hello'"),
        arguments("$toUpper", "{$toUpper: '$b'}", "'HELLO'"),
        arguments("$toLower of null is empty", "{$toLower: '$n'}", "''"),
        arguments("$toUpper of a number coerces it", "{$toUpper: 5}", "'5'"),
        arguments("$toUpper leaves non-ASCII alone", "{$toUpper: 'café'}", "'CAFé'"),
        arguments("$substrCP in the middle", "{$substrCP: ['$b', 1, 3]}", "'ell'"),
        arguments("$substrCP with a count past the end", "{$substrCP: ['$b', 3, 100]}", "'lo'"),
        arguments("$substrCP with a start past the end", "{$substrCP: ['$b', 10, 1]}", "''"),
        arguments("$substrCP counts code points", "{$substrCP: ['a😀b', 1, 1]}", "'😀'"),
        arguments("$substrCP of missing is empty", "{$substrCP: ['$zz', 0, 1]}", "''"),
        arguments("$strLenCP", "{$strLenCP: '$b'}", "5"),
        arguments("$strLenCP counts code points", "{$strLenCP: 'a😀'}", "2"),
        arguments("$split keeps empty pieces", "{$split: ['$s', ',']}", "['a', 'b', '', 'c']"),
        arguments("$split without the delimiter", "{$split: ['abc', 'x']}", "['abc']"),
        arguments("$split of null is null", "{$split: ['$n', ',']}", "null"),
        arguments("$regexMatch finds a match", "{$regexMatch: {input: '$b', regex: 'l+o'}}", "true"),
        arguments("$regexMatch is case sensitive", "{$regexMatch: {input: '$b', regex: '^he'}}", "false"),
        arguments("$regexMatch option i", "{$regexMatch: {input: '$b', regex: '^he', options: 'i'}}", "true"),
        arguments("$regexMatch with a BSON regex and its flags", "{$regexMatch: {input: '$b', regex: /^HE/i}}", "true"),
        arguments("$regexMatch option m", "{$regexMatch: {input: 'a\\nb', regex: '^b$', options: 'm'}}", "true"),
        arguments("$regexMatch without m anchors at the start", "{$regexMatch: {input: 'a\\nb', regex: '^b$'}}", "false"),
        arguments("$regexMatch option s", "{$regexMatch: {input: 'a\\nb', regex: 'a.b', options: 's'}}", "true"),
        arguments("$regexMatch option x", "{$regexMatch: {input: 'ab', regex: 'a b # comment', options: 'x'}}", "true"),
        arguments("$regexMatch with a regex from a field", "{$regexMatch: {input: 'hello', regex: '$pat'}}", "true"),
        arguments("$regexMatch of missing input is false", "{$regexMatch: {input: '$zz', regex: 'x'}}", "false"),
        arguments("$regexMatch with a null regex is false", "{$regexMatch: {input: 'x', regex: null}}", "false"),
        // arrays
        arguments("$size", "{$size: '$c'}", "3"),
        arguments("$size of a literal empty array", "{$size: [[]]}", "0"),
        arguments("$arrayElemAt first", "{$arrayElemAt: ['$c', 0]}", "1"),
        arguments("$arrayElemAt from the end", "{$arrayElemAt: ['$c', -1]}", "3"),
        arguments("$arrayElemAt with an integral double", "{$arrayElemAt: ['$c', 1.0]}", "2"),
        arguments("$arrayElemAt out of range is missing", "{$arrayElemAt: ['$c', 5]}", MISSING),
        arguments("$arrayElemAt of missing is null", "{$arrayElemAt: ['$zz', 0]}", "null"),
        arguments("$in finds an element", "{$in: [2, '$c']}", "true"),
        arguments("$in compares numbers across types", "{$in: [2.0, [1, NumberLong(2)]]}", "true"),
        arguments("$in of an empty array", "{$in: ['x', []]}", "false"),
        arguments("$in of missing never matches null", "{$in: ['$zz', [null]]}", "false"),
        arguments("$map with as", "{$map: {input: '$c', as: 'x', in: {$multiply: ['$$x', 10]}}}", "[10, 20, 30]"),
        arguments("$map binds this by default", "{$map: {input: '$c', in: {$add: ['$$this', 1]}}}", "[2, 3, 4]"),
        arguments("$map turns missing results into null", "{$map: {input: '$c', in: '$zz'}}", "[null, null, null]"),
        arguments("$map of missing input is null", "{$map: {input: '$zz', in: 1}}", "null"),
        arguments("$map of null input is null", "{$map: {input: '$n', in: 1}}", "null"),
        arguments("$map over a document iterates {k, v} (extension)", "{$map: {input: '$d', in: '$$this.k'}}", "['x', 'y']"),
        arguments("$map over a document sees the values (extension)", "{$map: {input: '$d', as: 'f', in: '$$f.v'}}", "[1, 'two']"),
        arguments("$map nests scopes", "{$map: {input: [1, 2], as: 'o', in: {$map: {input: [10], as: 'i', in: {$add: ['$$o', '$$i']}}}}}",
            "[[11], [12]]"),
        arguments("$map inner this shadows outer this", "{$map: {input: [[1], [2]], in: {$map: {input: '$$this', in: {$multiply: ['$$this', 3]}}}}}",
            "[[3], [6]]"),
        arguments("$filter", "{$filter: {input: '$c', cond: {$gte: ['$$this', 2]}}}", "[2, 3]"),
        arguments("$filter with limit", "{$filter: {input: '$c', as: 'n', cond: {$gte: ['$$n', 2]}, limit: 1}}", "[2]"),
        arguments("$filter of missing input is null", "{$filter: {input: '$zz', cond: true}}", "null"),
        arguments("$filter over a document (extension)", "{$filter: {input: '$d', as: 'f', cond: {$eq: ['$$f.k', 'y']}}}",
            "[{k: 'y', v: 'two'}]"),
        arguments("$reduce sums", "{$reduce: {input: '$c', initialValue: 0, in: {$add: ['$$value', '$$this']}}}", "6"),
        arguments("$reduce of an empty array is the initial value", "{$reduce: {input: [], initialValue: 'i', in: 'x'}}", "'i'"),
        arguments("$reduce of missing input is null", "{$reduce: {input: '$zz', initialValue: 0, in: 1}}", "null"),
        arguments("$anyElementTrue of a field", "{$anyElementTrue: '$c'}", "true"),
        arguments("$anyElementTrue of an empty array", "{$anyElementTrue: [[]]}", "false"),
        arguments("$anyElementTrue of null is false (extension)", "{$anyElementTrue: '$n'}", "false"),
        arguments("$anyElementTrue of a missing $map input is false (extension)", "{$anyElementTrue: {$map: {input: '$zz', in: true}}}", "false"),
        arguments("$allElementsTrue of missing is true (extension)", "{$allElementsTrue: '$zz'}", "true"),
        arguments("$anyElementTrue of a $map over a document (extension)",
            "{$anyElementTrue: {$map: {input: '$d', in: {$eq: ['$$this.k', 'y']}}}}", "true"),
        arguments("$allElementsTrue with a zero", "{$allElementsTrue: [[1, 0]]}", "false"),
        // objects
        arguments("$objectToArray", "{$objectToArray: '$d'}", "[{k: 'x', v: 1}, {k: 'y', v: 'two'}]"),
        arguments("$objectToArray of missing is null", "{$objectToArray: '$zz'}", "null"),
        arguments("$objectToArray of null is null", "{$objectToArray: '$n'}", "null"),
        arguments("$arrayToObject of pairs", "{$arrayToObject: [[['a', 1], ['b', 2]]]}", "{a: 1, b: 2}"),
        arguments("$arrayToObject: a repeated key keeps its place and takes the last value",
            "{$arrayToObject: {$literal: [['a', 1], ['b', 2], ['a', 3]]}}", "{a: 3, b: 2}"),
        arguments("$arrayToObject inverts $objectToArray", "{$arrayToObject: {$objectToArray: '$d'}}", "{x: 1, y: 'two'}"),
        arguments("$arrayToObject of missing is null", "{$arrayToObject: '$zz'}", "null"),
        arguments("$mergeObjects: later fields win, null and missing skipped",
            "{$mergeObjects: [{a: 1, b: 1}, {b: 2}, null, '$zz', {c: 3}]}", "{a: 1, b: 2, c: 3}"),
        arguments("$mergeObjects of one field", "{$mergeObjects: '$d'}", "{x: 1, y: 'two'}"),
        arguments("$getField shorthand", "{$getField: 'a'}", "5"),
        arguments("$getField of a name with a dot", "{$getField: 'p.q'}", "7"),
        arguments("$getField with an input", "{$getField: {field: 'y', input: '$d'}}", "'two'"),
        arguments("$getField of a $literal dollar name", "{$getField: {field: {$literal: '$p'}, input: {$literal: {'$p': 3}}}}", "3"),
        arguments("$getField of an absent field is missing", "{$getField: {field: 'q', input: '$d'}}", MISSING),
        arguments("$getField of a missing input is missing", "{$getField: {field: 'q', input: '$zz'}}", MISSING),
        arguments("$type of an int", "{$type: '$a'}", "'int'"),
        arguments("$type of a long", "{$type: '$l'}", "'long'"),
        arguments("$type of a document", "{$type: '$d'}", "'object'"),
        arguments("$type of an array field", "{$type: '$c'}", "'array'"),
        arguments("$type of null", "{$type: '$n'}", "'null'"),
        arguments("$type of a timestamp", "{$type: '$t'}", "'timestamp'"),
        arguments("$type of missing", "{$type: '$zz'}", "'missing'"),
        // arithmetic
        arguments("$add ints is an int", "{$add: [1, 2, 3]}", "6"),
        arguments("$add of nothing is 0", "{$add: []}", "0"),
        arguments("$add int overflow widens to long", "{$add: [2147483647, 1]}", "NumberLong(2147483648)"),
        arguments("$add long overflow widens to double", "{$add: [NumberLong('9223372036854775807'), NumberLong(1)]}",
            "9.223372036854775808E18"),
        arguments("$add int and long is a long", "{$add: ['$a', '$l']}", "NumberLong(15)"),
        arguments("$add int and double is a double", "{$add: ['$a', '$dbl']}", "7.5"),
        arguments("$add decimal and int is a decimal", "{$add: ['$dec', '$a']}", "NumberDecimal('6.5')"),
        arguments("$add decimal and double rounds the double to 15 digits", "{$add: ['$dec', 0.1]}",
            "NumberDecimal('1.600000000000000')"),
        arguments("$add with null is null", "{$add: [1, null]}", "null"),
        arguments("$add with missing is null", "{$add: [1, '$zz']}", "null"),
        arguments("$add milliseconds to a date", "{$add: ['$dt', 1000]}", "ISODate('2024-01-02T03:04:06.678Z')"),
        arguments("$add a fractional amount to a date rounds", "{$add: [1.5, '$dt']}", "ISODate('2024-01-02T03:04:05.680Z')"),
        arguments("$add with infinity", "{$add: [Infinity, 1]}", "Infinity"),
        arguments("$subtract ints", "{$subtract: ['$a', 2]}", "3"),
        arguments("$subtract int underflow widens to long", "{$subtract: [-2147483648, 1]}", "NumberLong(-2147483649)"),
        arguments("$subtract doubles", "{$subtract: [5.5, 2]}", "3.5"),
        arguments("$subtract decimals", "{$subtract: ['$dec', NumberDecimal('0.5')]}", "NumberDecimal('1.0')"),
        arguments("$subtract dates gives milliseconds", "{$subtract: ['$dt', ISODate('2024-01-02T03:04:05.000Z')]}",
            "NumberLong(678)"),
        arguments("$subtract milliseconds from a date", "{$subtract: ['$dt', 678]}", "ISODate('2024-01-02T03:04:05.000Z')"),
        arguments("$subtract with null is null", "{$subtract: ['$n', 1]}", "null"),
        arguments("$multiply ints", "{$multiply: [2, 3, 4]}", "24"),
        arguments("$multiply int overflow widens to long", "{$multiply: [65536, 65536]}", "NumberLong(4294967296)"),
        arguments("$multiply with a double", "{$multiply: ['$a', 0.5]}", "2.5"),
        arguments("$multiply with a decimal", "{$multiply: ['$dec', 2]}", "NumberDecimal('3.0')"),
        arguments("$multiply with missing is null", "{$multiply: ['$zz', 2]}", "null"),
        arguments("$divide ints gives a double", "{$divide: [10, 4]}", "2.5"),
        arguments("$divide evenly is still a double", "{$divide: [10, 5]}", "2.0"),
        arguments("$divide decimals", "{$divide: [NumberDecimal('1'), 3]}", "NumberDecimal('0.3333333333333333333333333333333333')"),
        arguments("$divide with null is null", "{$divide: [null, 3]}", "null"));
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("values")
  void evaluatesLikeMongoDb(String behaviour, String expression, String expected) {
    Optional<BsonValue> actual = Expression.compile(val(expression)).evaluateOptional(doc(DOC));
    if (expected.equals(MISSING)) {
      assertThat(actual).as(behaviour).isEmpty();
    } else {
      assertThat(actual).as(behaviour).isPresent();
      assertThat(exact(actual.get())).as(behaviour).isEqualTo(exact(val(expected)));
    }
  }

  /** Examples from the MongoDB manual's operator pages, with the results the manual shows. */
  static Stream<Arguments> manual() {
    return Stream.of(
        arguments("{$map: {input: '$quizzes', as: 'grade', in: {$add: ['$$grade', 2]}}}", "{quizzes: [5, 6, 7]}", "[7, 8, 9]"),
        arguments("{$filter: {input: '$items', as: 'item', cond: {$gte: ['$$item.price', 100]}}}",
            "{items: [{item_id: 43, quantity: 2, price: 10}, {item_id: 2, quantity: 1, price: 240}]}",
            "[{item_id: 2, quantity: 1, price: 240}]"),
        arguments("{$reduce: {input: ['a', 'b', 'c'], initialValue: '', in: {$concat: ['$$value', '$$this']}}}", "{}", "'abc'"),
        arguments("{$reduce: {input: [1, 2, 3, 4], initialValue: {sum: 5, product: 2}, in: {sum: {$add: ['$$value.sum', '$$this']},"
            + " product: {$multiply: ['$$value.product', '$$this']}}}}", "{}", "{sum: 15, product: 48}"),
        arguments("{$objectToArray: {item: 'foo', qty: 25}}", "{}", "[{k: 'item', v: 'foo'}, {k: 'qty', v: 25}]"),
        arguments("{$arrayToObject: [[{k: 'item', v: 'abc123'}, {k: 'qty', v: 25}]]}", "{}", "{item: 'abc123', qty: 25}"),
        arguments("{$arrayToObject: {$literal: [['item', 'abc123'], ['qty', 25]]}}", "{}", "{item: 'abc123', qty: 25}"),
        arguments("{$mergeObjects: [{a: 1}, null]}", "{}", "{a: 1}"),
        arguments("{$mergeObjects: [null, null]}", "{}", "{}"),
        arguments("{$split: ['June-15-2013', '-']}", "{}", "['June', '15', '2013']"),
        arguments("{$split: ['banana split', 'a']}", "{}", "['b', 'n', 'n', ' split']"),
        arguments("{$split: ['astronomical', 'astro']}", "{}", "['', 'nomical']"),
        arguments("{$split: ['pea green boat', 'owl']}", "{}", "['pea green boat']"),
        arguments("{$substrCP: ['abcde', 1, 2]}", "{}", "'bc'"),
        arguments("{$substrCP: ['cafétéria', 0, 5]}", "{}", "'cafét'"),
        arguments("{$substrCP: ['cafétéria', 5, 4]}", "{}", "'éria'"),
        arguments("{$substrCP: ['cafétéria', 7, 3]}", "{}", "'ia'"),
        arguments("{$strLenCP: 'cafétéria'}", "{}", "9"),
        arguments("{$strLenCP: '寿司'}", "{}", "2"),
        arguments("{$type: 'a'}", "{}", "'string'"),
        arguments("{$type: /a/}", "{}", "'regex'"),
        arguments("{$type: NumberLong(627)}", "{}", "'long'"),
        arguments("{$type: {x: 1}}", "{}", "'object'"),
        arguments("{$type: [[1, 2, 3]]}", "{}", "'array'"),
        arguments("{$anyElementTrue: [[true, false]]}", "{}", "true"),
        arguments("{$anyElementTrue: [[[false]]]}", "{}", "true"),
        arguments("{$anyElementTrue: [[null, false, 0]]}", "{}", "false"),
        arguments("{$allElementsTrue: [[true, 1, 'someString']]}", "{}", "true"),
        arguments("{$allElementsTrue: [[[false]]]}", "{}", "true"),
        arguments("{$allElementsTrue: [[]]}", "{}", "true"),
        arguments("{$allElementsTrue: [[null, false, 0]]}", "{}", "false"),
        arguments("{$arrayElemAt: [[1, 2, 3], -2]}", "{}", "2"),
        arguments("{$in: ['bananas', '$in_stock']}", "{in_stock: ['apples', 'bananas']}", "true"),
        arguments("{$toString: ISODate('2018-03-27T16:58:51.538Z')}", "{}", "'2018-03-27T16:58:51.538Z'"),
        arguments("{$toString: NumberDecimal('2.5')}", "{}", "'2.5'"),
        arguments("{$getField: 'price.usd'}", "{'price.usd': 45.99}", "45.99"),
        arguments("{$regexMatch: {input: '$description', regex: /line/}}", "{description: 'Multiple\\nline descriptions'}", "true"),
        arguments("{$regexMatch: {input: '$description', regex: /lin(e|k)/}}", "{description: 'Single LINE description.'}", "false"),
        arguments("{$concat: ['$item', ' - ', '$description']}", "{item: 'ABC1', description: 'product 1'}", "'ABC1 - product 1'"),
        arguments("{$ifNull: ['$description', 'Unspecified']}", "{item: 'xyz'}", "'Unspecified'"),
        arguments("{$cond: {if: {$gte: ['$qty', 250]}, then: 30, else: 20}}", "{qty: 300}", "30"),
        arguments("{$divide: ['$hours', 8]}", "{hours: 80}", "10.0"),
        arguments("{$subtract: ['$date', 300000]}", "{date: ISODate('2014-03-01T08:00:00Z')}", "ISODate('2014-03-01T07:55:00Z')"),
        arguments("{$add: ['$date', 259200000]}", "{date: ISODate('2014-03-01T08:00:00Z')}", "ISODate('2014-03-04T08:00:00Z')"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("manual")
  void reproducesTheManualsExamples(String expression, String document, String expected) {
    BsonValue actual = Expression.compile(val(expression)).evaluate(doc(document));
    assertThat(exact(actual)).isEqualTo(exact(val(expected)));
  }

  static Stream<Arguments> errors() {
    return Stream.of(
        // compile time
        arguments("{$foo: 1}", ErrorCode.INVALID_PIPELINE_OPERATOR, List.of("Unrecognized expression '$foo'")),
        arguments("{a: {$bar: [1]}}", ErrorCode.INVALID_PIPELINE_OPERATOR, List.of("Unrecognized expression '$bar'")),
        arguments("{$add: [1], $subtract: [1, 2]}", ErrorCode.BAD_VALUE, List.of("exactly one field")),
        arguments("{a: 1, $b: 2}", ErrorCode.BAD_VALUE, List.of("'$b'")),
        arguments("{'a.b': 1}", ErrorCode.BAD_VALUE, List.of("'a.b'")),
        arguments("'$$foo'", ErrorCode.BAD_VALUE, List.of("Use of undefined variable: foo")),
        arguments("['$$this']", ErrorCode.BAD_VALUE, List.of("Use of undefined variable: this")),
        arguments("'$$NOW'", ErrorCode.BAD_VALUE, List.of("'$$NOW' is not supported")),
        arguments("'$$'", ErrorCode.BAD_VALUE, List.of("empty variable names")),
        arguments("'$a..b'", ErrorCode.BAD_VALUE, List.of("'$a..b'")),
        arguments("'$a.$b'", ErrorCode.BAD_VALUE, List.of("may not start with '$'")),
        arguments("{$eq: [1]}", ErrorCode.BAD_VALUE, List.of("$eq takes exactly 2 arguments. 1 were passed in.")),
        arguments("{$size: [1, 2]}", ErrorCode.BAD_VALUE, List.of("$size takes exactly 1 arguments. 2 were passed in.")),
        arguments("{$cond: {if: true, then: 1}}", ErrorCode.BAD_VALUE, List.of("$cond", "'else'")),
        arguments("{$cond: {if: true, then: 1, else: 2, foo: 3}}", ErrorCode.BAD_VALUE, List.of("$cond", "unknown argument: foo")),
        arguments("{$switch: {branches: {case: true, then: 1}}}", ErrorCode.BAD_VALUE, List.of("$switch", "'branches'")),
        arguments("{$switch: {branches: []}}", ErrorCode.BAD_VALUE, List.of("$switch requires at least one branch")),
        arguments("{$switch: {branches: [{case: true}]}}", ErrorCode.BAD_VALUE, List.of("$switch", "'then'")),
        arguments("{$switch: {branches: [{case: true, then: 1}], other: 1}}", ErrorCode.BAD_VALUE, List.of("unknown argument: other")),
        arguments("{$ifNull: ['$a']}", ErrorCode.BAD_VALUE, List.of("$ifNull", "at least two")),
        arguments("{$let: {vars: {Bad: 1}, in: 1}}", ErrorCode.BAD_VALUE, List.of("'Bad'", "invalid character")),
        arguments("{$map: {input: '$c', as: 'x-y', in: 1}}", ErrorCode.BAD_VALUE, List.of("'x-y'")),
        arguments("{$map: {input: '$c'}}", ErrorCode.BAD_VALUE, List.of("$map", "'in'")),
        arguments("{$map: {input: '$c', in: 1, cond: 2}}", ErrorCode.BAD_VALUE, List.of("$map", "unknown argument: cond")),
        arguments("{$map: '$c'}", ErrorCode.BAD_VALUE, List.of("$map only supports an object")),
        arguments("{$map: {input: '$c', as: 'x', in: '$$this'}}", ErrorCode.BAD_VALUE, List.of("undefined variable: this")),
        arguments("{$reduce: {input: '$c', initialValue: 0}}", ErrorCode.BAD_VALUE, List.of("$reduce", "'in'")),
        arguments("{$regexMatch: {input: 'x'}}", ErrorCode.BAD_VALUE, List.of("$regexMatch", "'regex'")),
        arguments("{$regexMatch: {input: 'x', regex: '('}}", ErrorCode.BAD_VALUE, List.of("$regexMatch", "invalid regular expression '('")),
        arguments("{$regexMatch: {input: 'x', regex: 'x', options: 'z'}}", ErrorCode.BAD_VALUE, List.of("invalid flag in regex options: z")),
        arguments("{$regexMatch: {input: 'x', regex: /x/i, options: 'm'}}", ErrorCode.BAD_VALUE, List.of("options set in both")),
        arguments("{$getField: '$a'}", ErrorCode.BAD_VALUE, List.of("$getField requires 'field' to evaluate to a constant string")),
        arguments("{$getField: {field: 5}}", ErrorCode.BAD_VALUE, List.of("$getField", "constant string")),
        // evaluation time
        arguments("{$switch: {branches: [{case: false, then: 1}]}}", ErrorCode.BAD_VALUE,
            List.of("$switch could not find a matching branch")),
        arguments("{$concat: ['$b', '$a']}", ErrorCode.TYPE_MISMATCH, List.of("$concat only supports strings, not int 5")),
        arguments("{$toString: '$d'}", ErrorCode.TYPE_MISMATCH, List.of("Unsupported conversion from object to string", "{x: 1")),
        arguments("{$toLower: '$c'}", ErrorCode.TYPE_MISMATCH, List.of("$toLower", "array")),
        arguments("{$substrCP: ['$b', '1', 1]}", ErrorCode.TYPE_MISMATCH, List.of("$substrCP", "starting index", "string \"1\"")),
        arguments("{$substrCP: ['$b', 0, -1]}", ErrorCode.BAD_VALUE, List.of("$substrCP", "length", "nonnegative", "-1")),
        arguments("{$substrCP: ['$b', 0.5, 1]}", ErrorCode.BAD_VALUE, List.of("$substrCP", "32-bit integral", "0.5")),
        arguments("{$strLenCP: '$n'}", ErrorCode.TYPE_MISMATCH, List.of("$strLenCP requires a string argument, found: null")),
        arguments("{$strLenCP: '$zz'}", ErrorCode.TYPE_MISMATCH, List.of("$strLenCP requires a string argument, found: missing")),
        arguments("{$split: ['$a', ',']}", ErrorCode.TYPE_MISMATCH, List.of("$split", "first argument", "int 5")),
        arguments("{$split: ['$b', 1]}", ErrorCode.TYPE_MISMATCH, List.of("$split", "second argument", "int 1")),
        arguments("{$split: ['$b', '']}", ErrorCode.BAD_VALUE, List.of("$split requires a non-empty separator")),
        arguments("{$regexMatch: {input: '$a', regex: 'x'}}", ErrorCode.TYPE_MISMATCH, List.of("$regexMatch", "'input'", "int 5")),
        arguments("{$regexMatch: {input: 'x', regex: '$a'}}", ErrorCode.TYPE_MISMATCH, List.of("$regexMatch", "'regex'", "int 5")),
        arguments("{$size: '$zz'}", ErrorCode.TYPE_MISMATCH, List.of("$size must be an array", "missing")),
        arguments("{$size: '$b'}", ErrorCode.TYPE_MISMATCH, List.of("$size must be an array", "string \"Hello\"")),
        arguments("{$arrayElemAt: ['$b', 0]}", ErrorCode.TYPE_MISMATCH, List.of("$arrayElemAt's first argument must be an array")),
        arguments("{$arrayElemAt: ['$c', 'x']}", ErrorCode.TYPE_MISMATCH, List.of("$arrayElemAt's second argument must be a numeric")),
        arguments("{$arrayElemAt: ['$c', 1.5]}", ErrorCode.BAD_VALUE, List.of("$arrayElemAt", "32-bit integral", "1.5")),
        arguments("{$in: [1, '$zz']}", ErrorCode.TYPE_MISMATCH, List.of("$in requires an array as a second argument, found: missing")),
        arguments("{$map: {input: '$b', in: 1}}", ErrorCode.TYPE_MISMATCH, List.of("input to $map must be an array", "string \"Hello\"")),
        arguments("{$filter: {input: 5, cond: true}}", ErrorCode.TYPE_MISMATCH, List.of("input to $filter must be an array", "int 5")),
        arguments("{$filter: {input: '$c', cond: true, limit: 0}}", ErrorCode.BAD_VALUE, List.of("$filter: limit must be greater than 0")),
        arguments("{$reduce: {input: '$d', initialValue: 0, in: 1}}", ErrorCode.TYPE_MISMATCH, List.of("$reduce requires that 'input' be an array", "object")),
        arguments("{$anyElementTrue: '$b'}", ErrorCode.TYPE_MISMATCH, List.of("$anyElementTrue's argument must be an array, but is string")),
        arguments("{$allElementsTrue: '$b'}", ErrorCode.TYPE_MISMATCH, List.of("$allElementsTrue's argument must be an array, but is string")),
        arguments("{$objectToArray: '$b'}", ErrorCode.TYPE_MISMATCH, List.of("$objectToArray requires a document input, found: string")),
        arguments("{$arrayToObject: '$b'}", ErrorCode.TYPE_MISMATCH, List.of("$arrayToObject requires an array input, found: string")),
        arguments("{$arrayToObject: {$literal: [['a', 1], {k: 'b', v: 2}]}}", ErrorCode.BAD_VALUE, List.of("$arrayToObject", "consistent")),
        arguments("{$arrayToObject: {$literal: [[1, 1]]}}", ErrorCode.TYPE_MISMATCH, List.of("$arrayToObject", "key", "int 1")),
        arguments("{$arrayToObject: {$literal: [['a', 1, 2]]}}", ErrorCode.BAD_VALUE, List.of("$arrayToObject", "size: 3")),
        arguments("{$arrayToObject: {$literal: [{k: 'a'}]}}", ErrorCode.BAD_VALUE, List.of("$arrayToObject", "'k' and 'v'")),
        arguments("{$mergeObjects: [{a: 1}, '$a']}", ErrorCode.TYPE_MISMATCH, List.of("$mergeObjects requires object inputs", "input 1", "int 5")),
        arguments("{$getField: {field: 'x', input: '$a'}}", ErrorCode.TYPE_MISMATCH, List.of("$getField", "'input'", "int 5")),
        arguments("{$add: ['$b', 1]}", ErrorCode.TYPE_MISMATCH, List.of("$add only supports numeric or date types, not string")),
        arguments("{$add: ['$dt', '$dt']}", ErrorCode.TYPE_MISMATCH, List.of("only one date allowed in an $add expression")),
        arguments("{$subtract: [1, '$dt']}", ErrorCode.TYPE_MISMATCH, List.of("$subtract", "date", "int")),
        arguments("{$subtract: ['$b', 1]}", ErrorCode.TYPE_MISMATCH, List.of("$subtract", "string")),
        arguments("{$multiply: ['$c', 2]}", ErrorCode.TYPE_MISMATCH, List.of("$multiply only supports numeric types, not array")),
        arguments("{$divide: ['$a', 0]}", ErrorCode.BAD_VALUE, List.of("can't $divide by zero")),
        arguments("{$divide: ['$a', 0.0]}", ErrorCode.BAD_VALUE, List.of("can't $divide by zero")),
        arguments("{$divide: ['$b', 2]}", ErrorCode.TYPE_MISMATCH, List.of("$divide only supports numeric types, not string and int")));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("errors")
  void refusesBadExpressionsWithTheRightCode(String expression, ErrorCode code, List<String> fragments) {
    assertFails(() -> Expression.compile(val(expression)).evaluate(doc(DOC)), code, fragments.toArray(new String[0]));
  }

  @Test
  void evaluateGivesNullForMissingAndEvaluateOptionalGivesEmpty() {
    Expression missing = Expression.compile(val("'$nothing.here'"));
    assertThat(missing.evaluate(doc(DOC))).isEqualTo(BsonNull.VALUE);
    assertThat(missing.evaluateOptional(doc(DOC))).isEmpty();
  }

  @Test
  void resultSharesNothingWithTheDocument() {
    BsonDocument root = doc(DOC);
    BsonValue d = Expression.compile(val("'$d'")).evaluate(root);
    d.asDocument().put("x", new BsonInt32(99));
    assertThat(root.getDocument("d").getInt32("x").getValue()).isEqualTo(1);
  }

  @Test
  void compilingCopiesTheSpec() {
    BsonDocument spec = doc("{$literal: {a: 1}}");
    Expression e = Expression.compile(spec);
    spec.getDocument("$literal").put("a", new BsonInt32(2));
    assertThat(exact(e.evaluate(doc("{}")))).isEqualTo(exact(doc("{a: 1}")));
  }

  @Test
  void evaluatingTwiceGivesTheSameResultAndLeavesTheDocumentAlone() {
    BsonDocument root = doc(DOC);
    Expression e = Expression.compile(val("{$mergeObjects: ['$d', {z: {$map: {input: '$c', in: '$$this'}}}]}"));
    String first = exact(e.evaluate(root));
    assertThat(exact(e.evaluate(root))).isEqualTo(first).contains("\"z\"");
    assertThat(exact(root)).isEqualTo(exact(doc(DOC)));
  }

  @Test
  void everyOperatorOfTheBriefIsRegistered() {
    assertThat(ExpressionOperators.names()).contains("$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$cmp", "$and", "$or", "$not",
        "$in", "$cond", "$switch", "$ifNull", "$concat", "$toString", "$toLower", "$toUpper", "$substrCP", "$split", "$strLenCP",
        "$regexMatch", "$size", "$arrayElemAt", "$map", "$filter", "$reduce", "$anyElementTrue", "$allElementsTrue",
        "$objectToArray", "$arrayToObject", "$mergeObjects", "$add", "$subtract", "$multiply", "$divide", "$getField", "$type",
        "$literal", "$let");
    assertThat(ExpressionOperators.names()).isSorted();
  }

  static Stream<Arguments> exprFilters() {
    return Stream.of(
        arguments("{$expr: {$gt: ['$a', '$b']}}", "{a: 2, b: 1}", true),
        arguments("{$expr: {$gt: ['$a', '$b']}}", "{a: 1, b: 2}", false),
        arguments("{$expr: '$flag'}", "{flag: 0}", false),
        arguments("{$expr: '$missing'}", "{}", false),
        arguments("{x: 1, $expr: {$eq: [{$size: '$c'}, 2]}}", "{x: 1, c: [1, 2]}", true),
        arguments("{$or: [{$expr: false}, {$expr: {$in: ['a', '$tags']}}]}", "{tags: ['a']}", true));
  }

  @ParameterizedTest(name = "{0} on {1} -> {2}")
  @MethodSource("exprFilters")
  void filterAcceptsExprAtTopLevel(String filter, String document, boolean expected) {
    assertThat(Filter.compile(doc(filter)).matches(doc(document))).isEqualTo(expected);
  }

  @Test
  void filterExprWithAnUnknownOperatorFails() {
    assertFails(() -> Filter.compile(doc("{$expr: {$nope: 1}}")), ErrorCode.INVALID_PIPELINE_OPERATOR, "'$nope'");
  }
}
