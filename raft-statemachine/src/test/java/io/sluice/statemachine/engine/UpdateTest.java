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
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonObjectId;
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

  @ParameterizedTest(name = "{0}")
  @MethodSource("applications")
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
        arguments("{_id: 1, a: 5}", "{$set: {'a.b': 1}}", ErrorCode.BAD_VALUE, new String[] {"Cannot create field 'b'", "'a.b'"}));
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
        arguments("{$set: {'a.$': 1}}", ErrorCode.BAD_VALUE, new String[] {"positional", "'a.$'"}),
        arguments("{$set: {'a.$[].b': 1}}", ErrorCode.BAD_VALUE, new String[] {"positional"}),
        arguments("{$set: {$x: 1}}", ErrorCode.BAD_VALUE, new String[] {"'$x'"}));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("compileFailures")
  void invalidUpdatesFailToCompile(String update, ErrorCode code, String[] fragments) {
    assertFails(() -> Update.compile(doc(update)), code, fragments);
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
        arguments("{a: 1}", "{b: 2, _id: 5}", "{_id: 5, b: 2}"));
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
