package io.sluice.statemachine.engine;

import static io.sluice.statemachine.engine.Bson.assertFails;
import static io.sluice.statemachine.engine.Bson.assertSameDocument;
import static io.sluice.statemachine.engine.Bson.doc;
import static io.sluice.statemachine.engine.Bson.val;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.sluice.protocol.ErrorCode;
import io.sluice.statemachine.engine.Update.UpdateOutcome;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.bson.BsonDateTime;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonObjectId;
import org.bson.BsonTimestamp;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class UpdateTest {

  /** behaviour, original, update, expected after, modified, updatedFields, removedFields (comma separated). */
  static Stream<Arguments> applications() {
    return Stream.of(
        arguments("$set replaces a value in place", "{_id: 1, a: 1, b: 2}", "{$set: {a: 5}}", "{_id: 1, a: 5, b: 2}", true, "{a: 5}", ""),
        arguments("$set appends a new field", "{_id: 1, a: 1}", "{$set: {z: 1}}", "{_id: 1, a: 1, z: 1}", true, "{z: 1}", ""),
        arguments("$set appends new fields in lexicographic order", "{_id: 1}", "{$set: {b: 2, a: 1}}", "{_id: 1, a: 1, b: 2}", true,
            "{a: 1, b: 2}", ""),
        arguments("$set to the same value is no modification", "{_id: 1, a: {x: [1]}}", "{$set: {a: {x: [1]}}}",
            "{_id: 1, a: {x: [1]}}", false, "{}", ""),
        arguments("$set to an equal value of another type is a modification", "{_id: 1, a: 1}", "{$set: {a: 1.0}}",
            "{_id: 1, a: 1.0}", true, "{a: 1.0}", ""),
        arguments("$set creates intermediate documents, recorded at the first new field", "{_id: 1, a: {}}",
            "{$set: {'a.b.c': 1}}", "{_id: 1, a: {b: {c: 1}}}", true, "{'a.b': {c: 1}}", ""),
        arguments("$set of sibling new paths records their common new parent once", "{_id: 1}", "{$set: {'x.b': 1, 'x.a': 2}}",
            "{_id: 1, x: {a: 2, b: 1}}", true, "{x: {a: 2, b: 1}}", ""),
        arguments("$set into an array index", "{_id: 1, a: [1, 2]}", "{$set: {'a.1': 9}}", "{_id: 1, a: [1, 9]}", true, "{'a.1': 9}", ""),
        arguments("$set beyond an array pads with null", "{_id: 1, a: [1]}", "{$set: {'a.2': 3}}", "{_id: 1, a: [1, null, 3]}", true,
            "{'a.1': null, 'a.2': 3}", ""),
        arguments("$set of numeric paths in numeric order", "{_id: 1, a: []}", "{$set: {'a.10': 1, 'a.9': 2}}",
            "{_id: 1, a: [null, null, null, null, null, null, null, null, null, 2, 1]}", true, null, ""),
        arguments("empty $set is no modification", "{_id: 1, a: 1}", "{$set: {}}", "{_id: 1, a: 1}", false, "{}", ""),
        arguments("$set of _id to the same value is allowed", "{_id: 1, a: 1}", "{$set: {_id: 1, a: 2}}", "{_id: 1, a: 2}", true,
            "{a: 2}", ""),
        arguments("$unset removes a field", "{_id: 1, a: 1, b: 2}", "{$unset: {a: ''}}", "{_id: 1, b: 2}", true, "{}", "a"),
        arguments("$unset removes a nested field", "{_id: 1, a: {b: 1, c: 1}}", "{$unset: {'a.b': 1}}", "{_id: 1, a: {c: 1}}", true,
            "{}", "a.b"),
        arguments("$unset of a missing field is no modification", "{_id: 1, a: 1}", "{$unset: {b: 1}}", "{_id: 1, a: 1}", false, "{}", ""),
        arguments("$unset through a scalar is no modification", "{_id: 1, a: 1}", "{$unset: {'a.b': 1}}", "{_id: 1, a: 1}", false, "{}", ""),
        arguments("$unset of an array element sets it to null", "{_id: 1, a: [1, 2]}", "{$unset: {'a.0': 1}}", "{_id: 1, a: [null, 2]}",
            true, "{'a.0': null}", ""),
        arguments("$inc adds to an int", "{_id: 1, n: 1}", "{$inc: {n: 2}}", "{_id: 1, n: 3}", true, "{n: 3}", ""),
        arguments("$inc on a missing field creates it", "{_id: 1}", "{$inc: {'c.n': 5}}", "{_id: 1, c: {n: 5}}", true, "{c: {n: 5}}", ""),
        arguments("$inc int overflow promotes to long", "{_id: 1, n: 2147483647}", "{$inc: {n: 1}}", "{_id: 1, n: NumberLong(2147483648)}",
            true, "{n: NumberLong(2147483648)}", ""),
        arguments("$inc int underflow promotes to long", "{_id: 1, n: -2147483648}", "{$inc: {n: -1}}",
            "{_id: 1, n: NumberLong(-2147483649)}", true, null, ""),
        arguments("$inc int by long gives long", "{_id: 1, n: 1}", "{$inc: {n: NumberLong(1)}}", "{_id: 1, n: NumberLong(2)}", true, null, ""),
        arguments("$inc by double gives double", "{_id: 1, n: 1}", "{$inc: {n: 0.5}}", "{_id: 1, n: 1.5}", true, null, ""),
        arguments("$inc with decimal gives decimal", "{_id: 1, n: 1}", "{$inc: {n: NumberDecimal('0.25')}}",
            "{_id: 1, n: NumberDecimal('1.25')}", true, null, ""),
        arguments("$inc by zero is no modification", "{_id: 1, n: 4}", "{$inc: {n: 0}}", "{_id: 1, n: 4}", false, "{}", ""),
        arguments("$inc into an array element", "{_id: 1, a: [1, 2]}", "{$inc: {'a.1': 1}}", "{_id: 1, a: [1, 3]}", true, "{'a.1': 3}", ""),
        arguments("operators combine", "{_id: 1, a: 1, b: 1, c: 1}", "{$set: {a: 2}, $unset: {b: 1}, $inc: {c: 1}}",
            "{_id: 1, a: 2, c: 2}", true, "{a: 2, c: 2}", "b"),
        arguments("replacement keeps the original _id first", "{_id: 1, a: 1}", "{b: 2}", "{_id: 1, b: 2}", true, "{}", ""),
        arguments("replacement with the same _id elsewhere puts it first", "{_id: 1, a: 1}", "{b: 2, _id: 1}", "{_id: 1, b: 2}", true,
            "{}", ""),
        arguments("replacement with an equal _id of another type keeps the original", "{_id: 1, a: 1}", "{_id: 1.0, a: 1}",
            "{_id: 1, a: 1}", false, "{}", ""),
        arguments("empty replacement leaves only _id", "{_id: 1, a: 1}", "{}", "{_id: 1}", true, "{}", ""));
  }

  /** As {@link #applications}; the examples from MongoDB's manual are marked so. */
  static Stream<Arguments> arithmeticAndArrayOperators() {
    return Stream.of(
        arguments("$mul multiplies", "{_id: 1, n: 3}", "{$mul: {n: 2}}", "{_id: 1, n: 6}", true, "{n: 6}", ""),
        arguments("$mul of a missing field creates zero of the multiplier's type", "{_id: 1}", "{$mul: {n: NumberLong(5)}}",
            "{_id: 1, n: NumberLong(0)}", true, "{n: NumberLong(0)}", ""),
        arguments("$mul int overflow promotes to long", "{_id: 1, n: 2147483647}", "{$mul: {n: 2}}", "{_id: 1, n: NumberLong(4294967294)}",
            true, null, ""),
        arguments("$mul by a double gives a double", "{_id: 1, n: 3}", "{$mul: {n: 0.5}}", "{_id: 1, n: 1.5}", true, null, ""),
        arguments("$mul with a decimal gives a decimal", "{_id: 1, n: NumberDecimal('1.5')}", "{$mul: {n: 2}}",
            "{_id: 1, n: NumberDecimal('3.0')}", true, null, ""),
        arguments("$mul by one is no modification", "{_id: 1, n: 3}", "{$mul: {n: 1}}", "{_id: 1, n: 3}", false, "{}", ""),
        arguments("$min lowers", "{_id: 1, lo: 5}", "{$min: {lo: 3}}", "{_id: 1, lo: 3}", true, "{lo: 3}", ""),
        arguments("$min keeps a lower value", "{_id: 1, lo: 2}", "{$min: {lo: 3}}", "{_id: 1, lo: 2}", false, "{}", ""),
        arguments("$min of a missing field sets it", "{_id: 1}", "{$min: {'a.lo': 4}}", "{_id: 1, a: {lo: 4}}", true, null, ""),
        arguments("$max compares across types in BSON order", "{_id: 1, v: 10}", "{$max: {v: 'a'}}", "{_id: 1, v: 'a'}", true, null, ""),
        arguments("$max keeps an equal number of another type", "{_id: 1, v: 10}", "{$max: {v: 10.0}}", "{_id: 1, v: 10}", false, "{}", ""),
        arguments("$push appends; the change is the whole array", "{_id: 1, a: [1]}", "{$push: {a: 2}}", "{_id: 1, a: [1, 2]}", true,
            "{a: [1, 2]}", ""),
        arguments("$push creates the array", "{_id: 1}", "{$push: {a: {x: 1}}}", "{_id: 1, a: [{x: 1}]}", true, null, ""),
        arguments("$push of an array pushes it as one element", "{_id: 1, a: []}", "{$push: {a: [1, 2]}}", "{_id: 1, a: [[1, 2]]}",
            true, null, ""),
        arguments("$push $each", "{_id: 1, a: [1]}", "{$push: {a: {$each: [2, 3]}}}", "{_id: 1, a: [1, 2, 3]}", true, null, ""),
        arguments("$push $each $position", "{_id: 1, a: [1, 4]}", "{$push: {a: {$each: [2, 3], $position: 1}}}",
            "{_id: 1, a: [1, 2, 3, 4]}", true, null, ""),
        arguments("$push $position counts from the end when negative", "{_id: 1, a: [1, 2, 3]}",
            "{$push: {a: {$each: [9], $position: -1}}}", "{_id: 1, a: [1, 2, 9, 3]}", true, null, ""),
        arguments("manual: $push $each $sort by a field, then $slice", "{_id: 5, quizzes: [{wk: 1, score: 10}, {wk: 2, score: 8}]}",
            "{$push: {quizzes: {$each: [{wk: 5, score: 8}, {wk: 6, score: 7}, {wk: 7, score: 6}], $sort: {score: -1}, $slice: 3}}}",
            "{_id: 5, quizzes: [{wk: 1, score: 10}, {wk: 2, score: 8}, {wk: 5, score: 8}]}", true, null, ""),
        arguments("$push $slice negative keeps the last", "{_id: 1, a: [1, 2, 3]}", "{$push: {a: {$each: [4], $slice: -2}}}",
            "{_id: 1, a: [3, 4]}", true, null, ""),
        arguments("$push $slice 0 empties", "{_id: 1, a: [1]}", "{$push: {a: {$each: [2], $slice: 0}}}", "{_id: 1, a: []}", true, null, ""),
        arguments("$push of nothing with $sort: -1 sorts the elements", "{_id: 1, a: [3, 1, 2]}", "{$push: {a: {$each: [], $sort: -1}}}",
            "{_id: 1, a: [3, 2, 1]}", true, null, ""),
        arguments("$addToSet adds a new value", "{_id: 1, a: [1]}", "{$addToSet: {a: 2}}", "{_id: 1, a: [1, 2]}", true, "{a: [1, 2]}", ""),
        arguments("$addToSet skips a value already there (1.0 equals 1)", "{_id: 1, a: [1]}", "{$addToSet: {a: 1.0}}", "{_id: 1, a: [1]}",
            false, "{}", ""),
        arguments("$addToSet takes documents with the same fields in another order as different", "{_id: 1, a: [{x: 1, y: 2}]}",
            "{$addToSet: {a: {y: 2, x: 1}}}", "{_id: 1, a: [{x: 1, y: 2}, {y: 2, x: 1}]}", true, null, ""),
        arguments("manual: $addToSet $each", "{_id: 2, item: 'cable', tags: ['electronics', 'supplies']}",
            "{$addToSet: {tags: {$each: ['camera', 'electronics', 'accessories']}}}",
            "{_id: 2, item: 'cable', tags: ['electronics', 'supplies', 'camera', 'accessories']}", true, null, ""),
        arguments("$addToSet creates the array", "{_id: 1}", "{$addToSet: {a: 1}}", "{_id: 1, a: [1]}", true, null, ""),
        arguments("$pop 1 removes the last", "{_id: 1, a: [1, 2, 3]}", "{$pop: {a: 1}}", "{_id: 1, a: [1, 2]}", true, "{a: [1, 2]}", ""),
        arguments("$pop -1 removes the first", "{_id: 1, a: [1, 2, 3]}", "{$pop: {a: -1}}", "{_id: 1, a: [2, 3]}", true, null, ""),
        arguments("$pop of an empty array is no modification", "{_id: 1, a: []}", "{$pop: {a: 1}}", "{_id: 1, a: []}", false, "{}", ""),
        arguments("$pop of a missing field creates nothing", "{_id: 1}", "{$pop: {a: 1}}", "{_id: 1}", false, "{}", ""),
        arguments("$pull removes every equal element", "{_id: 1, a: [1, 2, 1.0, 3]}", "{$pull: {a: 1}}", "{_id: 1, a: [2, 3]}", true,
            "{a: [2, 3]}", ""),
        arguments("manual: $pull with a condition", "{_id: 1, votes: [3, 5, 6, 7, 7, 8]}", "{$pull: {votes: {$gte: 6}}}",
            "{_id: 1, votes: [3, 5]}", true, null, ""),
        arguments("manual: $pull with $in", "{_id: 1, fruits: ['apples', 'pears', 'oranges', 'grapes']}",
            "{$pull: {fruits: {$in: ['apples', 'oranges']}}}", "{_id: 1, fruits: ['pears', 'grapes']}", true, null, ""),
        arguments("manual: $pull with a query on document elements", "{_id: 1, results: [{item: 'A', score: 5}, {item: 'B', score: 8}]}",
            "{$pull: {results: {score: 8, item: 'B'}}}", "{_id: 1, results: [{item: 'A', score: 5}]}", true, null, ""),
        arguments("$pull of nothing that matches is no modification", "{_id: 1, a: [1]}", "{$pull: {a: 2}}", "{_id: 1, a: [1]}", false,
            "{}", ""),
        arguments("$pull of a missing field creates nothing", "{_id: 1}", "{$pull: {a: 1}}", "{_id: 1}", false, "{}", ""),
        arguments("$pull with a regex", "{_id: 1, tags: ['tmp1', 'keep', 'tmp2']}", "{$pull: {tags: /^tmp/}}", "{_id: 1, tags: ['keep']}",
            true, null, ""),
        arguments("$pull of {} removes every document element", "{_id: 1, a: [{x: 1}, 2, {}]}", "{$pull: {a: {}}}", "{_id: 1, a: [2]}",
            true, null, ""),
        arguments("$mul of a missing field by a decimal keeps its scale", "{_id: 1}", "{$mul: {n: NumberDecimal('1.50')}}",
            "{_id: 1, n: NumberDecimal('0.00')}", true, null, ""),
        arguments("$rename of a missing field into an array is no modification", "{_id: 1, c: [1]}", "{$rename: {a: 'c.0'}}",
            "{_id: 1, c: [1]}", false, "{}", ""),
        arguments("manual: $pullAll", "{_id: 1, scores: [0, 2, 5, 5, 1, 0]}", "{$pullAll: {scores: [0, 5]}}", "{_id: 1, scores: [2, 1]}",
            true, null, ""),
        arguments("$rename moves a field", "{_id: 1, a: 1, b: 2}", "{$rename: {a: 'z'}}", "{_id: 1, b: 2, z: 1}", true, "{z: 1}", "a"),
        arguments("$rename onto an existing field replaces it", "{_id: 1, a: 1, b: 2}", "{$rename: {a: 'b'}}", "{_id: 1, b: 1}", true,
            "{b: 1}", "a"),
        arguments("$rename into a new nested path", "{_id: 1, a: {x: 1}}", "{$rename: {'a.x': 'b.y'}}", "{_id: 1, a: {}, b: {y: 1}}",
            true, "{b: {y: 1}}", "a.x"),
        arguments("$rename of a missing field is no modification", "{_id: 1, a: 1}", "{$rename: {b: 'c'}}", "{_id: 1, a: 1}", false,
            "{}", ""),
        arguments("$setOnInsert is ignored when a document matched", "{_id: 1, a: 1}", "{$set: {b: 1}, $setOnInsert: {c: 1}}",
            "{_id: 1, a: 1, b: 1}", true, "{b: 1}", ""));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource({"applications", "arithmeticAndArrayOperators"})
  void appliesOperatorsAndReportsTheChangeDescription(String behaviour, String original, String update, String after,
      boolean modified, String updatedFields, String removedFields) {
    BsonDocument before = doc(original);
    UpdateOutcome outcome = Update.compile(doc(update)).apply(before);
    if (after != null) {
      assertSameDocument(outcome.after(), doc(after));
    }
    assertThat(outcome.modified()).as(behaviour).isEqualTo(modified);
    if (updatedFields != null) {
      assertSameDocument(outcome.updatedFields(), doc(updatedFields));
    }
    List<String> removed = removedFields.isEmpty() ? List.of() : Arrays.asList(removedFields.split(","));
    assertThat(outcome.removedFields()).isEqualTo(removed);
    assertSameDocument(before, doc(original));
  }

  @Test
  void numericPathsAreAppliedInNumericOrder() {
    UpdateOutcome outcome = Update.compile(doc("{$set: {'a.x10': 1, 'a.x9': 2, 'a.10': 3, 'a.9': 4}}")).apply(doc("{_id: 1, a: {}}"));
    assertThat(outcome.after().getDocument("a").keySet()).containsExactly("9", "10", "x10", "x9");
  }

  static Stream<Arguments> failures() {
    return Stream.of(
        arguments("{_id: 1, status: 'open'}", "{$inc: {status: 1}}", ErrorCode.TYPE_MISMATCH,
            new String[] {"Cannot apply $inc to a value of non-numeric type. {_id: 1} has the field 'status' of non-numeric type string"}),
        arguments("{_id: 'k', a: {n: null}}", "{$inc: {'a.n': 1}}", ErrorCode.TYPE_MISMATCH,
            new String[] {"{_id: \"k\"} has the field 'n' of non-numeric type null"}),
        arguments("{_id: 1, n: NumberLong('9223372036854775807')}", "{$inc: {n: 1}}", ErrorCode.BAD_VALUE,
            new String[] {"Failed to apply $inc", "'n'"}),
        arguments("{_id: 1}", "{$set: {_id: 2}}", ErrorCode.IMMUTABLE_FIELD,
            new String[] {"Performing an update on the path '_id' would modify the immutable field '_id'"}),
        arguments("{_id: 1}", "{$set: {_id: NumberLong(1)}}", ErrorCode.IMMUTABLE_FIELD, new String[] {"'_id'"}),
        arguments("{_id: 1}", "{$unset: {_id: 1}}", ErrorCode.IMMUTABLE_FIELD, new String[] {"'_id'"}),
        arguments("{_id: 1}", "{$inc: {_id: 1}}", ErrorCode.IMMUTABLE_FIELD, new String[] {"'_id'"}),
        arguments("{_id: {a: 1}}", "{$set: {'_id.a': 2}}", ErrorCode.IMMUTABLE_FIELD, new String[] {"'_id'"}),
        arguments("{_id: 1}", "{_id: 2, a: 1}", ErrorCode.IMMUTABLE_FIELD, new String[] {"'_id'"}),
        arguments("{_id: 1, a: 5}", "{$set: {'a.b': 1}}", ErrorCode.BAD_VALUE, new String[] {"Cannot create field 'b'", "'a.b'"}),
        arguments("{_id: 1, a: 'x'}", "{$mul: {a: 2}}", ErrorCode.TYPE_MISMATCH,
            new String[] {"Cannot apply $mul to a value of non-numeric type. {_id: 1} has the field 'a' of non-numeric type string"}),
        arguments("{_id: 1, n: NumberLong('9223372036854775807')}", "{$mul: {n: 2}}", ErrorCode.BAD_VALUE,
            new String[] {"Failed to apply $mul", "does not fit in a long"}),
        arguments("{_id: 1, a: 5}", "{$push: {a: 1}}", ErrorCode.BAD_VALUE,
            new String[] {"Cannot apply $push to a non-array value: the field 'a' of {_id: 1} has type int"}),
        arguments("{_id: 1, a: {b: 1}}", "{$addToSet: {a: 1}}", ErrorCode.BAD_VALUE, new String[] {"$addToSet", "'a'", "object"}),
        arguments("{_id: 1, a: 'x'}", "{$pop: {a: 1}}", ErrorCode.TYPE_MISMATCH, new String[] {"$pop", "'a'", "string"}),
        arguments("{_id: 1, a: 1}", "{$pull: {a: 1}}", ErrorCode.BAD_VALUE, new String[] {"$pull", "'a'"}),
        arguments("{_id: 1, a: 1}", "{$pullAll: {a: [1]}}", ErrorCode.BAD_VALUE, new String[] {"$pullAll", "'a'"}),
        arguments("{_id: 1, a: [{b: 1}]}", "{$rename: {'a.0.b': 'c'}}", ErrorCode.BAD_VALUE,
            new String[] {"The source field of $rename cannot be an array element", "'a.0.b'"}),
        arguments("{_id: 1, a: 1, c: [1]}", "{$rename: {a: 'c.0'}}", ErrorCode.BAD_VALUE,
            new String[] {"The destination field of $rename cannot be an array element"}),
        arguments("{_id: 1, a: 2}", "{$rename: {a: '_id'}}", ErrorCode.IMMUTABLE_FIELD, new String[] {"'_id'"}));
  }

  @ParameterizedTest(name = "{1} on {0} -> {2}")
  @MethodSource("failures")
  void applyingFailsWithoutTouchingTheOriginal(String original, String update, ErrorCode code, String[] fragments) {
    BsonDocument before = doc(original);
    Update compiled = Update.compile(doc(update));
    assertFails(() -> compiled.apply(before), code, fragments);
    assertSameDocument(before, doc(original));
  }

  static Stream<Arguments> compileFailures() {
    return Stream.of(
        arguments("{$set: {a: 1}, b: 2}", ErrorCode.FAILED_TO_PARSE, new String[] {"'$set'", "'b'"}),
        arguments("{b: 2, $set: {a: 1}}", ErrorCode.FAILED_TO_PARSE, new String[] {"'$set'", "'b'"}),
        arguments("{$foo: {a: 1}}", ErrorCode.FAILED_TO_PARSE, new String[] {"Unknown modifier: $foo"}),
        arguments("{$set: 5}", ErrorCode.FAILED_TO_PARSE, new String[] {"Modifiers operate on fields", "{$set: 5}"}),
        arguments("{$set: {'a.b': 1}, $unset: {a: 1}}", ErrorCode.CONFLICTING_UPDATE_OPERATORS,
            new String[] {"Updating the path 'a.b' would create a conflict at 'a'"}),
        arguments("{$set: {a: 1}, $inc: {a: 1}}", ErrorCode.CONFLICTING_UPDATE_OPERATORS,
            new String[] {"Updating the path 'a' would create a conflict at 'a'"}),
        arguments("{$set: {'a.b.c': 1, 'a.b': 2}}", ErrorCode.CONFLICTING_UPDATE_OPERATORS,
            new String[] {"Updating the path 'a.b.c' would create a conflict at 'a.b'"}),
        arguments("{$inc: {a: 'x'}}", ErrorCode.TYPE_MISMATCH, new String[] {"Cannot increment with non-numeric argument: {a: \"x\"}"}),
        arguments("{$inc: {a: null}}", ErrorCode.TYPE_MISMATCH, new String[] {"non-numeric argument"}),
        arguments("{$set: {'': 1}}", ErrorCode.FAILED_TO_PARSE, new String[] {"empty update path"}),
        arguments("{$set: {'a..b': 1}}", ErrorCode.FAILED_TO_PARSE, new String[] {"'a..b'", "empty field name"}),
        arguments("{$set: {$x: 1}}", ErrorCode.BAD_VALUE, new String[] {"'$x'"}),
        arguments("{$mul: {a: 'x'}}", ErrorCode.TYPE_MISMATCH, new String[] {"Cannot multiply with non-numeric argument: {a: \"x\"}"}),
        arguments("{$pop: {a: 2}}", ErrorCode.FAILED_TO_PARSE, new String[] {"$pop expects 1 or -1, found: 2", "'a'"}),
        arguments("{$pop: {a: 'last'}}", ErrorCode.FAILED_TO_PARSE, new String[] {"$pop expects 1 or -1"}),
        arguments("{$push: {a: {$each: 1}}}", ErrorCode.BAD_VALUE, new String[] {"The argument to $each in $push must be an array", "int"}),
        arguments("{$push: {a: {$each: [1], $foo: 1}}}", ErrorCode.BAD_VALUE, new String[] {"Unrecognized clause in $push: $foo"}),
        arguments("{$push: {a: {$slice: 1}}}", ErrorCode.BAD_VALUE, new String[] {"$push modifiers need $each"}),
        arguments("{$push: {a: {$each: [1], $slice: 'x'}}}", ErrorCode.BAD_VALUE, new String[] {"The value for $slice must be an integer"}),
        arguments("{$push: {a: {$each: [1], $position: 1.5}}}", ErrorCode.BAD_VALUE, new String[] {"$position must be an integer"}),
        arguments("{$push: {a: {$each: [1], $sort: 2}}}", ErrorCode.BAD_VALUE, new String[] {"The $sort in $push is invalid"}),
        arguments("{$addToSet: {a: {$each: [1], $slice: 1}}}", ErrorCode.BAD_VALUE, new String[] {"$addToSet takes only $each"}),
        arguments("{$addToSet: {a: {$each: 1}}}", ErrorCode.TYPE_MISMATCH, new String[] {"The argument to $each in $addToSet must be an array", "int"}),
        arguments("{$pullAll: {a: 1}}", ErrorCode.BAD_VALUE, new String[] {"The argument to $pullAll must be an array"}),
        arguments("{$push: {a: 1}, $pull: {a: 1}}", ErrorCode.CONFLICTING_UPDATE_OPERATORS, new String[] {"conflict at 'a'"}),
        arguments("{$pull: {a: {$foo: 1}}}", ErrorCode.BAD_VALUE, new String[] {"$foo"}),
        arguments("{$rename: {a: 1}}", ErrorCode.BAD_VALUE, new String[] {"The 'to' field for $rename must be a string: a: 1"}),
        arguments("{$rename: {a: 'a'}}", ErrorCode.BAD_VALUE, new String[] {"The source and target field for $rename must differ"}),
        arguments("{$rename: {a: 'a.b'}}", ErrorCode.BAD_VALUE, new String[] {"must not be on the same path"}),
        arguments("{$rename: {'a.b': 'a'}}", ErrorCode.BAD_VALUE, new String[] {"must not be on the same path"}),
        arguments("{$rename: {a: 'b'}, $set: {b: 1}}", ErrorCode.CONFLICTING_UPDATE_OPERATORS, new String[] {"conflict at 'b'"}),
        arguments("{$rename: {a: 'b.c'}, $unset: {b: 1}}", ErrorCode.CONFLICTING_UPDATE_OPERATORS, new String[] {"conflict at 'b'"}),
        arguments("{$rename: {a: 'b..c'}}", ErrorCode.FAILED_TO_PARSE, new String[] {"empty field name"}));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("compileFailures")
  void invalidUpdatesFailToCompile(String update, ErrorCode code, String[] fragments) {
    assertFails(() -> Update.compile(doc(update)), code, fragments);
  }

  @Test
  void currentDateSetsTheEntrysTimeAsADateOrATimestamp() {
    EntryTime time = new EntryTime(new BsonDateTime(1_700_000_000_123L), new BsonTimestamp(1_700_000_000, 3));
    Update update = Update.compile(doc("{$currentDate: {d: true, e: {$type: 'date'}, 'x.t': {$type: 'timestamp'}}}"), time, ArrayFilters.NONE);
    UpdateOutcome outcome = update.apply(doc("{_id: 1, d: 0}"));
    assertThat(outcome.after()).isEqualTo(new BsonDocument("_id", new BsonInt32(1)).append("d", time.date()).append("e", time.date())
        .append("x", new BsonDocument("t", time.timestamp())));
    assertFails(() -> Update.compile(doc("{$currentDate: {d: 'yes'}}"), time, ArrayFilters.NONE), ErrorCode.BAD_VALUE,
        "$currentDate of 'd' takes true, {$type: 'date'} or {$type: 'timestamp'}, not \"yes\"");
    assertFails(() -> Update.compile(doc("{$currentDate: {d: {$type: 'month'}}}"), time, ArrayFilters.NONE), ErrorCode.BAD_VALUE, "$currentDate of 'd'");
  }

  @Test
  void siblingPathsDoNotConflict() {
    UpdateOutcome outcome = Update.compile(doc("{$set: {'a.b': 1}, $unset: {'a.bc': 1, ab: 1}}")).apply(doc("{_id: 1, a: {bc: 1}, ab: 1}"));
    assertSameDocument(outcome.after(), doc("{_id: 1, a: {b: 1}}"));
    assertThat(outcome.removedFields()).containsExactly("a.bc", "ab");
  }

  @Test
  void isReplacementTellsTheTwoKindsApart() {
    assertThat(Update.compile(doc("{a: 1}")).isReplacement()).isTrue();
    assertThat(Update.compile(doc("{}")).isReplacement()).isTrue();
    assertThat(Update.compile(doc("{$set: {a: 1}}")).isReplacement()).isFalse();
  }

  @Test
  void resultSharesNothingWithTheCompiledUpdate() {
    Update update = Update.compile(doc("{$set: {a: {b: 1}}}"));
    BsonDocument first = update.apply(doc("{_id: 1}")).after();
    first.getDocument("a").put("b", new BsonInt32(99));
    assertSameDocument(update.apply(doc("{_id: 1}")).after(), doc("{_id: 1, a: {b: 1}}"));
  }

  /** filter, update, expected upserted document (generated id is ObjectId 0...1). */
  static Stream<Arguments> upserts() {
    return Stream.of(
        arguments("{a: 1}", "{$set: {b: 2}}", "{_id: 'gen', a: 1, b: 2}"),
        arguments("{_id: 7, a: {$gt: 1}}", "{$set: {b: 2}}", "{_id: 7, b: 2}"),
        arguments("{a: {$eq: 3}, 'x.y': 'z'}", "{$inc: {n: 1}}", "{_id: 'gen', a: 3, x: {y: 'z'}, n: 1}"),
        arguments("{$and: [{a: 1}, {$and: [{b: 2}]}], $or: [{c: 3}]}", "{$set: {d: 4}}", "{_id: 'gen', a: 1, b: 2, d: 4}"),
        arguments("{a: 1}", "{$set: {a: 5}}", "{_id: 'gen', a: 5}"),
        arguments("{a: 1, _id: 3}", "{$set: {z: 0}}", "{_id: 3, a: 1, z: 0}"),
        arguments("{a: /x/, b: {$in: [1]}}", "{$set: {c: 1}}", "{_id: 'gen', c: 1}"),
        arguments("{}", "{$set: {_id: 9, c: 1}}", "{_id: 9, c: 1}"),
        arguments("{a: 1}", "{b: 2}", "{_id: 'gen', b: 2}"),
        arguments("{_id: 4, a: 1}", "{b: 2}", "{_id: 4, b: 2}"),
        arguments("{_id: 4}", "{b: 2, _id: 4}", "{_id: 4, b: 2}"),
        arguments("{a: 1}", "{b: 2, _id: 5}", "{_id: 5, b: 2}"),
        arguments("{a: 1}", "{$setOnInsert: {created: true}, $set: {b: 2}}", "{_id: 'gen', a: 1, b: 2, created: true}"),
        arguments("{a: 1}", "{$push: {tags: 'x'}, $max: {hi: 3}}", "{_id: 'gen', a: 1, hi: 3, tags: ['x']}"));
  }

  @ParameterizedTest(name = "upsert {0} with {1} inserts {2}")
  @MethodSource("upserts")
  void upsertStartsFromFilterEqualitiesAndPutsIdFirst(String filter, String update, String expected) {
    BsonDocument inserted = Update.compile(doc(update)).applyForUpsert(doc(filter), val("'gen'"));
    assertSameDocument(inserted, doc(expected));
  }

  @Test
  void upsertUsesTheGeneratedObjectIdAsFirstField() {
    BsonObjectId generated = new BsonObjectId(new ObjectId("000000000000000000000001"));
    BsonDocument inserted = Update.compile(doc("{$set: {b: 1}}")).applyForUpsert(doc("{a: 1}"), generated);
    assertThat(inserted.getFirstKey()).isEqualTo("_id");
    assertThat(inserted.get("_id")).isEqualTo(generated);
  }

  @Test
  void upsertThatChangesTheFilterIdFails() {
    assertFails(() -> Update.compile(doc("{$set: {_id: 2}}")).applyForUpsert(doc("{_id: 1}"), val("'gen'")),
        ErrorCode.IMMUTABLE_FIELD, "'_id'");
    assertFails(() -> Update.compile(doc("{_id: 2}")).applyForUpsert(doc("{_id: 1}"), val("'gen'")),
        ErrorCode.IMMUTABLE_FIELD, "'_id'");
  }

  @Test
  void upsertWithAPathMatchedTwiceFails() {
    assertFails(() -> Update.compile(doc("{$set: {b: 1}}")).applyForUpsert(doc("{a: 1, $and: [{a: 1}]}"), val("'gen'")),
        ErrorCode.BAD_VALUE, "path 'a' is matched twice");
    assertFails(() -> Update.compile(doc("{$set: {b: 1}}")).applyForUpsert(doc("{a: {x: 1}, 'a.x': 1}"), val("'gen'")),
        ErrorCode.BAD_VALUE, "'a'", "'a.x'");
  }
}
