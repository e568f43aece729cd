package io.sluice.statemachine.engine;

import static io.sluice.statemachine.engine.Bson.assertFails;
import static io.sluice.statemachine.engine.Bson.assertSameDocument;
import static io.sluice.statemachine.engine.Bson.doc;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.sluice.protocol.ErrorCode;
import java.util.stream.Stream;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The positional update paths {@code $}, {@code $[]} and {@code $[<id>]}, with the examples of MongoDB's manual. */
class PositionalUpdateTest {
  private static final String QUIZZES = "{_id: 1, grades: [{type: 'quiz', questions: [10, 8, 5]}, {type: 'quiz', questions: [8, 9, 6]},"
      + " {type: 'hw', questions: [5, 4, 3]}, {type: 'exam', questions: [25, 10, 23, 0]}]}";

  /** behaviour, original, query, update, arrayFilters, expected after, updatedFields. */
  static Stream<Arguments> updates() {
    return Stream.of(
        // $
        arguments("$ sets the first element the query matched", "{_id: 1, grades: [85, 80, 80]}", "{_id: 1, grades: 80}",
            "{$set: {'grades.$': 82}}", "[]", "{_id: 1, grades: [85, 82, 80]}", "{'grades.1': 82}"),
        arguments("$ in a path into the matched document", "{_id: 4, grades: [{grade: 80, std: 8}, {grade: 85, std: 5}, {grade: 85, std: 8}]}",
            "{_id: 4, 'grades.grade': 85}", "{$set: {'grades.$.std': 6}}", "[]",
            "{_id: 4, grades: [{grade: 80, std: 8}, {grade: 85, std: 6}, {grade: 85, std: 8}]}", "{'grades.1.std': 6}"),
        arguments("$ with $elemMatch takes the element matching every condition",
            "{_id: 5, grades: [{grade: 80, mean: 75, std: 8}, {grade: 85, mean: 90, std: 5}, {grade: 90, mean: 85, std: 3}]}",
            "{_id: 5, grades: {$elemMatch: {grade: {$lte: 90}, mean: {$gt: 80}}}}", "{$set: {'grades.$.std': 6}}", "[]",
            "{_id: 5, grades: [{grade: 80, mean: 75, std: 8}, {grade: 85, mean: 90, std: 6}, {grade: 90, mean: 85, std: 3}]}",
            "{'grades.1.std': 6}"),
        arguments("$ with conditions inside $and", "{_id: 1, a: [{x: 1, y: 1}, {x: 1, y: 2}]}", "{$and: [{'a.x': 1}, {'a.y': 2}]}",
            "{$inc: {'a.$.y': 10}}", "[]", "{_id: 1, a: [{x: 1, y: 1}, {x: 1, y: 12}]}", "{'a.1.y': 12}"),
        arguments("$ takes the last condition's element when two conditions name different ones",
            "{_id: 1, a: [{x: 1, y: 0}, {x: 0, y: 2}]}", "{'a.x': 1, 'a.y': 2}", "{$set: {'a.$.z': 1}}", "[]",
            "{_id: 1, a: [{x: 1, y: 0}, {x: 0, y: 2, z: 1}]}", "{'a.1.z': 1}"),
        arguments("$ skips a condition on the whole array", "{_id: 1, t: ['a', 'x', 'b']}", "{$and: [{t: 'x'}, {t: {$size: 3}}]}",
            "{$set: {'t.$': 'y'}}", "[]", "{_id: 1, t: ['a', 'y', 'b']}", "{'t.1': 'y'}"),
        arguments("$ with $push into the matched element", "{_id: 1, a: [{k: 'x', v: []}, {k: 'y', v: [1]}]}", "{'a.k': 'y'}",
            "{$push: {'a.$.v': 2}}", "[]", "{_id: 1, a: [{k: 'x', v: []}, {k: 'y', v: [1, 2]}]}", "{'a.1.v': [1, 2]}"),
        // $[]
        arguments("$[] increments every element", "{_id: 1, grades: [85, 82, 80]}", "{}", "{$inc: {'grades.$[]': 10}}", "[]",
            "{_id: 1, grades: [95, 92, 90]}", "{'grades.0': 95, 'grades.1': 92, 'grades.2': 90}"),
        arguments("$[] through documents", "{_id: 1, grades: [{grade: 80, std: 8}, {grade: 85, std: 6}]}", "{}",
            "{$inc: {'grades.$[].std': -2}}", "[]", "{_id: 1, grades: [{grade: 80, std: 6}, {grade: 85, std: 4}]}",
            "{'grades.0.std': 6, 'grades.1.std': 4}"),
        arguments("$[] of an empty array changes nothing", "{_id: 1, a: []}", "{}", "{$set: {'a.$[]': 1}}", "[]", "{_id: 1, a: []}", "{}"),
        arguments("$[] nested with $[<id>]", QUIZZES, "{}", "{$inc: {'grades.$[].questions.$[score]': 2}}", "[{score: {$gte: 8}}]",
            "{_id: 1, grades: [{type: 'quiz', questions: [12, 10, 5]}, {type: 'quiz', questions: [10, 11, 6]},"
                + " {type: 'hw', questions: [5, 4, 3]}, {type: 'exam', questions: [27, 12, 25, 0]}]}", null),
        // $[<id>]
        arguments("$[<id>] sets the elements its filter matches", "{_id: 2, grades: [98, 100, 102]}", "{}",
            "{$set: {'grades.$[element]': 100}}", "[{element: {$gte: 100}}]", "{_id: 2, grades: [98, 100, 100]}", "{'grades.2': 100}"),
        arguments("$[<id>] matching nothing changes nothing", "{_id: 1, grades: [95, 92, 90]}", "{}",
            "{$set: {'grades.$[element]': 100}}", "[{element: {$gte: 100}}]", "{_id: 1, grades: [95, 92, 90]}", "{}"),
        arguments("$[<id>] on a field of the elements", "{_id: 1, grades: [{grade: 80, mean: 75}, {grade: 85, mean: 90}, {grade: 85, mean: 85}]}",
            "{}", "{$set: {'grades.$[elem].mean': 100}}", "[{'elem.grade': {$gte: 85}}]",
            "{_id: 1, grades: [{grade: 80, mean: 75}, {grade: 85, mean: 100}, {grade: 85, mean: 100}]}",
            "{'grades.1.mean': 100, 'grades.2.mean': 100}"),
        arguments("$[<id>] with several conditions", "{_id: 1, grades: [{grade: 80, std: 6}, {grade: 85, std: 4}, {grade: 85, std: 6}]}",
            "{}", "{$inc: {'grades.$[elem].std': -1}}", "[{'elem.grade': {$gte: 80}, 'elem.std': {$gt: 5}}]",
            "{_id: 1, grades: [{grade: 80, std: 5}, {grade: 85, std: 4}, {grade: 85, std: 5}]}", "{'grades.0.std': 5, 'grades.2.std': 5}"),
        arguments("$[<id>] with a negation", "{_id: 1, degrees: [{level: 'Master'}, {level: 'Bachelor'}]}", "{}",
            "{$set: {'degrees.$[degree].gradcampaign': 1}}", "[{'degree.level': {$ne: 'Bachelor'}}]",
            "{_id: 1, degrees: [{level: 'Master', gradcampaign: 1}, {level: 'Bachelor'}]}", "{'degrees.0.gradcampaign': 1}"),
        arguments("two $[<id>] nested", QUIZZES, "{}", "{$inc: {'grades.$[t].questions.$[score]': 2}}",
            "[{'t.type': 'quiz'}, {score: {$gte: 8}}]",
            "{_id: 1, grades: [{type: 'quiz', questions: [12, 10, 5]}, {type: 'quiz', questions: [10, 11, 6]},"
                + " {type: 'hw', questions: [5, 4, 3]}, {type: 'exam', questions: [25, 10, 23, 0]}]}", null),
        arguments("$[<id>] with $or in its filter", "{_id: 1, a: [1, 5, 9]}", "{}", "{$set: {'a.$[x]': 0}}",
            "[{$or: [{x: {$lt: 2}}, {x: {$gt: 8}}]}]", "{_id: 1, a: [0, 5, 0]}", "{'a.0': 0, 'a.2': 0}"),
        arguments("positional and plain paths in one update", "{_id: 1, a: [1, 2], n: 0}", "{}", "{$set: {'a.$[]': 7}, $inc: {n: 1}}", "[]",
            "{_id: 1, a: [7, 7], n: 1}", "{'a.0': 7, 'a.1': 7, n: 1}"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("updates")
  void resolvesPositionalPathsLikeMongoDB(String behaviour, String original, String query, String update, String arrayFilters,
      String expected, String updatedFields) {
    BsonDocument before = doc(original);
    Update.UpdateOutcome outcome = compile(update, arrayFilters).apply(before, doc(query));
    assertSameDocument(outcome.after(), doc(expected));
    assertThat(outcome.modified()).isEqualTo(!doc(original).equals(doc(expected)));
    if (updatedFields != null) {
      assertSameDocument(outcome.updatedFields(), doc(updatedFields));
    }
    assertThat(before).as("the original is untouched").isEqualTo(doc(original));
  }

  @Test
  void anUpsertWithAllPositionalUpdatesTheArrayFromTheQuerysEquality() {
    BsonDocument inserted = compile("{$set: {'myArray.$[]': 10}}", "[]").applyForUpsert(doc("{myArray: [5, 8]}"), new BsonInt32(1));
    assertSameDocument(inserted, doc("{_id: 1, myArray: [10, 10]}"));
  }

  @Test
  void anUpsertThatInsertsCannotUseTheFirstMatchPositional() {
    assertFails(() -> compile("{$set: {'a.$': 1}}", "[]").applyForUpsert(doc("{a: 5}"), new BsonInt32(1)), ErrorCode.BAD_VALUE,
        "The positional operator did not find the match needed from the query.");
  }

  static Stream<Arguments> applyFailures() {
    return Stream.of(
        arguments("{_id: 1, a: [1, 2]}", "{_id: 1}", "{$set: {'a.$': 0}}", "[]", "did not find the match needed from the query"),
        arguments("{_id: 1, a: [1, 2]}", "{a: 3}", "{$set: {'a.$': 0}}", "[]", "did not find the match needed from the query"),
        arguments("{_id: 1, a: [1, 5]}", "{a: {$ne: 5}}", "{$set: {'a.$': 0}}", "[]", "did not find the match needed from the query"),
        arguments("{_id: 1, a: [1, 5]}", "{a: {$all: [1, 5]}}", "{$set: {'a.$': 0}}", "[]", "did not find the match needed"),
        arguments("{_id: 1, a: 5}", "{}", "{$set: {'a.$[]': 0}}", "[]", "Cannot apply array updates to non-array element a: 5"),
        arguments("{_id: 1}", "{}", "{$set: {'a.$[]': 0}}", "[]", "The path 'a' must exist in the document"),
        arguments("{_id: 1, a: [{b: 1}]}", "{}", "{$set: {'a.$[].c.$[]': 0}}", "[]", "The path 'a.0.c' must exist"));
  }

  @ParameterizedTest(name = "{2} on {0}")
  @MethodSource("applyFailures")
  void applyingFailsWithMongoDBsError(String original, String query, String update, String arrayFilters, String fragment) {
    assertFails(() -> compile(update, arrayFilters).apply(doc(original), doc(query)), ErrorCode.BAD_VALUE, fragment);
  }

  @Test
  void manyPathsThroughOneArrayLookForTheElementOnce() {
    BsonDocument set = new BsonDocument();
    for (int i = 0; i < 2_000; i++) {
      set.append("a.$.f" + i, new BsonInt32(i));
    }
    BsonDocument array = new BsonDocument("a", new org.bson.BsonArray(java.util.Collections.nCopies(2_000, new BsonDocument("k", new BsonInt32(0)))));
    array.getArray("a").add(new BsonDocument("k", new BsonInt32(1)));
    Update.UpdateOutcome outcome = Update.compile(new BsonDocument("$set", set)).apply(array, doc("{'a.k': 1}"));
    assertThat(outcome.after().getArray("a").get(2_000).asDocument()).hasSize(2_001);
  }

  static Stream<Arguments> compileFailures() {
    return Stream.of(
        arguments("{$set: {'a.$[x]': 1}}", "[]", ErrorCode.BAD_VALUE, "No array filter found for identifier 'x' in path 'a.$[x]'"),
        arguments("{$set: {'a.$[]': 1}}", "[{x: 1}]", ErrorCode.FAILED_TO_PARSE, "The array filter for identifier 'x' was not used"),
        arguments("{a: 1}", "[{x: 1}]", ErrorCode.FAILED_TO_PARSE, "The array filter for identifier 'x' was not used"),
        arguments("{$set: {'$.a': 1}}", "[]", ErrorCode.BAD_VALUE, "in the first position"),
        arguments("{$set: {'$[].a': 1}}", "[]", ErrorCode.BAD_VALUE, "in the first position"),
        arguments("{$set: {'a.$.b.$': 1}}", "[]", ErrorCode.BAD_VALUE, "Too many positional"),
        arguments("{$set: {'a.$x': 1}}", "[]", ErrorCode.BAD_VALUE, "The dollar ($) prefixed field '$x'"),
        arguments("{$rename: {'a.$[]': 'b'}}", "[]", ErrorCode.BAD_VALUE, "The source field for $rename may not be dynamic"),
        arguments("{$rename: {a: 'b.$'}}", "[]", ErrorCode.BAD_VALUE, "The destination field for $rename may not be dynamic: b.$"),
        arguments("{$set: {'a.$[x]': 1}}", "[{x: 1, y: 2}]", ErrorCode.FAILED_TO_PARSE, "Expected a single top-level field name"),
        arguments("{$set: {'a.$[X]': 1}}", "[{X: 1}]", ErrorCode.BAD_VALUE, "beginning with a lowercase letter, found 'X'"),
        arguments("{$set: {'a.$[x]': 1}}", "[{x: 1}, {'x.b': 2}]", ErrorCode.FAILED_TO_PARSE, "multiple array filters"),
        arguments("{$set: {'a.$[x]': 1}}", "[{$expr: {$eq: [1, 1]}}]", ErrorCode.FAILED_TO_PARSE, "without a top-level field name"),
        arguments("{$set: {'a.$[x]': 1}}", "[{}]", ErrorCode.FAILED_TO_PARSE, "without a top-level field name"),
        arguments("{$set: {'a.$[x]': 1}}", "[5]", ErrorCode.TYPE_MISMATCH, "must be an object"),
        arguments("{$set: {'a.$[x]': 1}}", "[{x: {$bogus: 1}}]", ErrorCode.BAD_VALUE, "$bogus"),
        arguments("{$set: {'a.$[]': 1, a: 2}}", "[]", ErrorCode.CONFLICTING_UPDATE_OPERATORS, "conflict"),
        arguments("{$set: {'a.$[i]': 0, 'a.0': 0}}", "[{i: 0}]", ErrorCode.CONFLICTING_UPDATE_OPERATORS, "would create a conflict at 'a'"),
        arguments("{$set: {'a.$[i]': 0, 'a.b': 0}}", "[{i: 0}]", ErrorCode.CONFLICTING_UPDATE_OPERATORS, "would create a conflict at 'a'"),
        arguments("{$set: {'a.$[]': 0}, $inc: {'a.$': 1}}", "[]", ErrorCode.CONFLICTING_UPDATE_OPERATORS, "conflict at 'a'"),
        arguments("{$set: {'a.$[i]': 0, 'a.$[j]': 0}}", "[{i: 0}, {j: 1}]", ErrorCode.CONFLICTING_UPDATE_OPERATORS, "conflict at 'a'"),
        arguments("{$rename: {x: 'a.0'}, $set: {'a.$[]': 1}}", "[]", ErrorCode.CONFLICTING_UPDATE_OPERATORS, "conflict at 'a'"));
  }

  @ParameterizedTest(name = "{0} with {1}")
  @MethodSource("compileFailures")
  void malformedPositionalUpdatesFailToCompile(String update, String arrayFilters, ErrorCode code, String fragment) {
    assertFails(() -> compile(update, arrayFilters), code, fragment);
  }

  private static Update compile(String update, String arrayFilters) {
    return Update.compile(doc(update), null, ArrayFilters.compile(doc("{f: " + arrayFilters + "}").getArray("f")));
  }
}
