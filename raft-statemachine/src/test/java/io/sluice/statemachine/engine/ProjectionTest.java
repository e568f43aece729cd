package io.sluice.statemachine.engine;

import static io.sluice.statemachine.engine.Bson.assertFails;
import static io.sluice.statemachine.engine.Bson.assertSameDocument;
import static io.sluice.statemachine.engine.Bson.doc;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.sluice.protocol.ErrorCode;
import java.util.stream.Stream;
import org.bson.BsonDocument;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ProjectionTest {
  private static final String DOC = "{_id: 1, a: 1, b: {c: 2, d: 3}, e: [{c: 1, d: 1}, {d: 2}, 5, [{c: 3}]], f: 'x'}";

  static Stream<Arguments> projections() {
    return Stream.of(
        arguments("empty spec is the identity", "{}", DOC),
        arguments("inclusion keeps _id", "{a: 1}", "{_id: 1, a: 1}"),
        arguments("inclusion keeps document order, not spec order", "{f: 1, a: true}", "{_id: 1, a: 1, f: 'x'}"),
        arguments("inclusion without _id", "{a: 1, _id: 0}", "{a: 1}"),
        arguments("dotted inclusion into a document", "{'b.c': 1}", "{_id: 1, b: {c: 2}}"),
        arguments("dotted inclusion projects each array element", "{'e.c': 1}", "{_id: 1, e: [{c: 1}, {}, [{c: 3}]]}"),
        arguments("inclusion of a missing field", "{zz: 1}", "{_id: 1}"),
        arguments("dotted inclusion through a scalar drops it", "{'a.x': 1}", "{_id: 1}"),
        arguments("only _id included", "{_id: 1}", "{_id: 1}"),
        arguments("exclusion of a field", "{a: 0}", "{_id: 1, b: {c: 2, d: 3}, e: [{c: 1, d: 1}, {d: 2}, 5, [{c: 3}]], f: 'x'}"),
        arguments("exclusion of _id only", "{_id: 0}", "{a: 1, b: {c: 2, d: 3}, e: [{c: 1, d: 1}, {d: 2}, 5, [{c: 3}]], f: 'x'}"),
        arguments("dotted exclusion through arrays", "{'e.c': 0, b: false, _id: 0}", "{a: 1, e: [{d: 1}, {d: 2}, 5, [{}]], f: 'x'}"),
        arguments("numeric non-zero means include", "{a: 2.5}", "{_id: 1, a: 1}"));
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("projections")
  void projectsLikeMongoDb(String behaviour, String spec, String expected) {
    BsonDocument original = doc(DOC);
    assertSameDocument(Projection.compile(doc(spec)).apply(original), doc(expected));
    assertSameDocument(original, doc(DOC));
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        arguments("{a: 1, b: 0}", "Cannot do exclusion on field b in inclusion projection"),
        arguments("{a: 0, b: 1}", "Cannot do inclusion on field b in exclusion projection"),
        arguments("{a: 1, 'a.b': 1}", "Path collision at a.b"),
        arguments("{'a.b': 1, a: 1}", "Path collision at a"),
        arguments("{a: 'x'}", "'a'"),
        arguments("{a: {$slice: 'x'}}", "$slice of 'a' takes a number or an array"),
        arguments("{a: {$slice: [1, 0]}}", "the limit must be positive"),
        arguments("{a: {$slice: [1, 2, 3]}}", "$slice of 'a'"),
        arguments("{a: {$meta: 'textScore'}}", "projection of 'a'"),
        arguments("{'a.b': {$elemMatch: {x: 1}}}", "Cannot use $elemMatch projection on a nested field"),
        arguments("{a: {$elemMatch: 1}}", "object required"),
        arguments("{a: {$elemMatch: {x: 1}}, b: 0}", "Cannot do exclusion on field b in inclusion projection"),
        arguments("{'a.$': 0}", "must be 1 or true"),
        arguments("{'a.$': 1, 'b.$': 1}", "more than one positional"),
        arguments("{a: 1, 'a.$': 1}", "Path collision at a"),
        arguments("{'a.$.b': 1}", "'a.$.b'"),
        arguments("{'a..b': 1}", "'a..b'"));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("invalid")
  void invalidProjectionsFailWithBadValue(String spec, String fragment) {
    assertFails(() -> Projection.compile(doc(spec)), ErrorCode.BAD_VALUE, fragment);
  }

  @Test
  void excludingIdIsAllowedInAnInclusionProjection() {
    assertSameDocument(Projection.compile(doc("{_id: 0, f: 1}")).apply(doc(DOC)), doc("{f: 'x'}"));
  }

  /** The manual: "the $elemMatch projection of an existing field returns the field after the other existing field inclusions". */
  @Test
  void elemMatchPutsItsFieldAfterTheOtherIncludedFields() {
    BsonDocument player = doc("{_id: 1, name: 'player1', games: [{game: 'abc', score: 8}, {game: 'xyz', score: 5}],"
        + " joined: ISODate('2020-01-01'), lastLogin: ISODate('2020-05-01')}");
    BsonDocument out = Projection.compile(doc("{games: {$elemMatch: {score: {$gt: 5}}}, joined: 1, lastLogin: 1}")).apply(player);
    assertThat(new java.util.ArrayList<>(out.keySet())).containsExactly("_id", "joined", "lastLogin", "games");
    assertThat(out.getArray("games")).containsExactly(doc("{game: 'abc', score: 8}"));
  }

  /** The manual's examples for $slice, $elemMatch and the positional projection. */
  static Stream<Arguments> arrayProjections() {
    String post = "{_id: 1, title: 't', comments: [1, 2, 3, 4, 5], meta: {tags: ['a', 'b', 'c']}}";
    String school = "{_id: 1, zipcode: '63109', students: [{name: 'john', school: 102, age: 10}, {name: 'jess', school: 102, age: 11},"
        + " {name: 'jeff', school: 108, age: 15}]}";
    String grades = "{_id: 1, semester: 1, grades: [70, 87, 90]}";
    return Stream.of(
        arguments(post, "{}", "{comments: {$slice: 2}}", "{_id: 1, title: 't', comments: [1, 2], meta: {tags: ['a', 'b', 'c']}}"),
        arguments(post, "{}", "{comments: {$slice: -2}}", "{_id: 1, title: 't', comments: [4, 5], meta: {tags: ['a', 'b', 'c']}}"),
        arguments(post, "{}", "{comments: {$slice: [1, 2]}, _id: 0}", "{title: 't', comments: [2, 3], meta: {tags: ['a', 'b', 'c']}}"),
        arguments(post, "{}", "{comments: {$slice: [-4, 2]}}", "{_id: 1, title: 't', comments: [2, 3], meta: {tags: ['a', 'b', 'c']}}"),
        arguments(post, "{}", "{comments: {$slice: [10, 2]}}", "{_id: 1, title: 't', comments: [], meta: {tags: ['a', 'b', 'c']}}"),
        arguments(post, "{}", "{comments: {$slice: 9}}", "{_id: 1, title: 't', comments: [1, 2, 3, 4, 5], meta: {tags: ['a', 'b', 'c']}}"),
        arguments(post, "{}", "{title: 1, comments: {$slice: 1}}", "{_id: 1, title: 't', comments: [1]}"),
        arguments(post, "{}", "{'meta.tags': {$slice: 1}, title: 0}", "{_id: 1, comments: [1, 2, 3, 4, 5], meta: {tags: ['a']}}"),
        arguments(post, "{}", "{title: {$slice: 1}}", post),
        arguments(school, "{}", "{students: {$elemMatch: {school: 102}}}", "{_id: 1, students: [{name: 'john', school: 102, age: 10}]}"),
        arguments(school, "{}", "{students: {$elemMatch: {school: 102, age: {$gt: 10}}}}",
            "{_id: 1, students: [{name: 'jess', school: 102, age: 11}]}"),
        arguments(school, "{}", "{zipcode: 1, students: {$elemMatch: {school: 999}}}", "{_id: 1, zipcode: '63109'}"),
        arguments(grades, "{semester: 1, grades: {$gte: 85}}", "{'grades.$': 1}", "{_id: 1, grades: [87]}"),
        arguments(school, "{'students.age': {$gt: 10}}", "{_id: 0, 'students.$': 1}", "{students: [{name: 'jess', school: 102, age: 11}]}"));
  }

  @ParameterizedTest(name = "{2} with query {1}")
  @MethodSource("arrayProjections")
  void projectsPartsOfArraysLikeMongoDb(String original, String query, String spec, String expected) {
    BsonDocument doc = doc(original);
    assertSameDocument(Projection.compile(doc(spec)).apply(doc, doc(query)), doc(expected));
    assertSameDocument(doc, doc(original));
  }

  @Test
  void aPositionalProjectionWithoutAMatchingQueryConditionFails() {
    assertFails(() -> Projection.compile(doc("{'grades.$': 1}")).apply(doc("{_id: 1, grades: [1, 2]}"), doc("{_id: 1}")),
        ErrorCode.BAD_VALUE, "couldn't find a matching element");
  }
}
