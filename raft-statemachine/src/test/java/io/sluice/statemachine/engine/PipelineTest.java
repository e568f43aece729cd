package io.sluice.statemachine.engine;

import static io.sluice.statemachine.engine.Bson.assertFails;
import static io.sluice.statemachine.engine.Bson.doc;
import static io.sluice.statemachine.engine.ExpressionTest.exact;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.sluice.protocol.ErrorCode;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PipelineTest {
  private static final String DOC = "{_id: 1, a: 5, b: 'x', d: {x: 1, y: 2}, e: [{c: 1}, {c: 2}, 7], n: null}";

  /** Marks a document the pipeline filters out. */
  private static final String DROPPED = "<dropped>";

  static Stream<Arguments> pipelines() {
    return Stream.of(
        arguments("an empty pipeline passes the document through", "[]", DOC),
        // $match
        arguments("$match keeps a matching document", "[{$match: {a: 5}}]", DOC),
        arguments("$match drops a document that does not match", "[{$match: {a: 6}}]", DROPPED),
        arguments("$match with a dotted path and $in", "[{$match: {'d.x': {$in: [0, 1]}}}]", DOC),
        arguments("$match with $expr", "[{$match: {$expr: {$lt: ['$d.x', '$d.y']}}}]", DOC),
        arguments("$match with $expr that is false", "[{$match: {$expr: {$eq: ['$b', 'y']}}}]", DROPPED),
        arguments("$match after $addFields sees the new field", "[{$addFields: {z: {$add: ['$a', 1]}}}, {$match: {z: 6}}]",
            "{_id: 1, a: 5, b: 'x', d: {x: 1, y: 2}, e: [{c: 1}, {c: 2}, 7], n: null, z: 6}"),
        // $project
        arguments("$project inclusion keeps _id and document order", "[{$project: {b: 1, a: true}}]", "{_id: 1, a: 5, b: 'x'}"),
        arguments("$project exclusion", "[{$project: {d: 0, e: 0, n: 0}}]", "{_id: 1, a: 5, b: 'x'}"),
        arguments("$project _id: 0 alone excludes only _id", "[{$project: {_id: 0}}]",
            "{a: 5, b: 'x', d: {x: 1, y: 2}, e: [{c: 1}, {c: 2}, 7], n: null}"),
        arguments("$project computed fields follow included ones", "[{$project: {total: {$add: ['$a', 1]}, b: 1}}]",
            "{_id: 1, b: 'x', total: 6}"),
        arguments("$project a field path renames", "[{$project: {_id: 0, name: '$b', dx: '$d.x'}}]", "{name: 'x', dx: 1}"),
        arguments("$project a string literal is a value", "[{$project: {_id: 0, kind: 'event'}}]", "{kind: 'event'}"),
        arguments("$project a missing computed field is left out", "[{$project: {_id: 0, a: 1, z: '$nothing'}}]", "{a: 5}"),
        arguments("$project a nested sub-projection", "[{$project: {d: {x: 1}}}]", "{_id: 1, d: {x: 1}}"),
        arguments("$project a computed field inside a sub-projection", "[{$project: {_id: 0, d: {x: 1, s: {$add: ['$d.x', '$d.y']}}}}]",
            "{d: {x: 1, s: 3}}"),
        arguments("$project a computed _id", "[{$project: {_id: '$b', a: 1}}]", "{a: 5, _id: 'x'}"),
        arguments("$project only computed fields still keeps _id", "[{$project: {z: '$a'}}]", "{_id: 1, z: 5}"),
        arguments("$project a dotted computed path maps over an array (scalars dropped)", "[{$project: {_id: 0, 'e.k': 'v'}}]",
            "{e: [{k: 'v'}, {k: 'v'}]}"),
        arguments("$project a dotted computed path under a scalar makes a document", "[{$project: {'a.k': '$b'}}]",
            "{_id: 1, a: {k: 'x'}}"),
        arguments("$project a dotted computed path next to an included one", "[{$project: {'d.y': 1, 'd.z': '$a', b: 1}}]",
            "{_id: 1, b: 'x', d: {y: 2, z: 5}}"),
        // $addFields / $set
        arguments("$addFields appends a new field", "[{$addFields: {z: '$d.y'}}]",
            "{_id: 1, a: 5, b: 'x', d: {x: 1, y: 2}, e: [{c: 1}, {c: 2}, 7], n: null, z: 2}"),
        arguments("$addFields overwrites in place", "[{$addFields: {a: 'five'}}]",
            "{_id: 1, a: 'five', b: 'x', d: {x: 1, y: 2}, e: [{c: 1}, {c: 2}, 7], n: null}"),
        arguments("$addFields evaluates against its input, not its own outputs", "[{$addFields: {a: 0, b: '$a'}}]",
            "{_id: 1, a: 0, b: 5, d: {x: 1, y: 2}, e: [{c: 1}, {c: 2}, 7], n: null}"),
        arguments("$addFields a missing result removes the field", "[{$addFields: {b: '$nothing', n: '$$REMOVE'}}]",
            "{_id: 1, a: 5, d: {x: 1, y: 2}, e: [{c: 1}, {c: 2}, 7]}"),
        arguments("$addFields a null result keeps the field as null", "[{$addFields: {b: null}}]",
            "{_id: 1, a: 5, b: null, d: {x: 1, y: 2}, e: [{c: 1}, {c: 2}, 7], n: null}"),
        arguments("$addFields a dotted path sets a nested field", "[{$addFields: {'d.z': 3, 'f.g': true}}]",
            "{_id: 1, a: 5, b: 'x', d: {x: 1, y: 2, z: 3}, e: [{c: 1}, {c: 2}, 7], n: null, f: {g: true}}"),
        arguments("$addFields a nested document merges like a dotted path", "[{$addFields: {d: {z: 3}}}]",
            "{_id: 1, a: 5, b: 'x', d: {x: 1, y: 2, z: 3}, e: [{c: 1}, {c: 2}, 7], n: null}"),
        arguments("$addFields a dotted path through an array sets it in every element", "[{$addFields: {'e.k': 0}}]",
            "{_id: 1, a: 5, b: 'x', d: {x: 1, y: 2}, e: [{c: 1, k: 0}, {c: 2, k: 0}, {k: 0}], n: null}"),
        arguments("$addFields an operator value is an expression", "[{$addFields: {d: {$objectToArray: '$d'}}}]",
            "{_id: 1, a: 5, b: 'x', d: [{k: 'x', v: 1}, {k: 'y', v: 2}], e: [{c: 1}, {c: 2}, 7], n: null}"),
        arguments("$addFields an empty document sets {}", "[{$addFields: {z: {}}}]",
            "{_id: 1, a: 5, b: 'x', d: {x: 1, y: 2}, e: [{c: 1}, {c: 2}, 7], n: null, z: {}}"),
        arguments("$set is $addFields", "[{$set: {a: {$multiply: ['$a', 2]}}}]",
            "{_id: 1, a: 10, b: 'x', d: {x: 1, y: 2}, e: [{c: 1}, {c: 2}, 7], n: null}"),
        // $unset
        arguments("$unset one field", "[{$unset: 'e'}]", "{_id: 1, a: 5, b: 'x', d: {x: 1, y: 2}, n: null}"),
        arguments("$unset several fields, dotted too", "[{$unset: ['a', 'd.x', 'e', 'n']}]", "{_id: 1, b: 'x', d: {y: 2}}"),
        arguments("$unset _id", "[{$unset: '_id'}, {$project: {a: 1}}]", "{a: 5}"),
        // $replaceRoot / $replaceWith
        arguments("$replaceRoot with a field", "[{$replaceRoot: {newRoot: '$d'}}]", "{x: 1, y: 2}"),
        arguments("$replaceRoot with a built document", "[{$replaceRoot: {newRoot: {$mergeObjects: ['$d', {id: '$_id'}]}}}]",
            "{x: 1, y: 2, id: 1}"),
        arguments("$replaceWith an expression object", "[{$replaceWith: {key: '$_id', sum: {$add: ['$d.x', '$d.y']}}}]",
            "{key: 1, sum: 3}"),
        // chains
        arguments("stages run in order", "[{$match: {b: 'x'}}, {$addFields: {c: {$concat: ['$b', '!']}}}, {$project: {_id: 0, c: 1}},"
            + " {$match: {c: 'x!'}}]", "{c: 'x!'}"),
        arguments("a late $match can drop the document", "[{$set: {a: 0}}, {$match: {a: 5}}]", DROPPED));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("pipelines")
  void appliesEachStageLikeMongoDb(String behaviour, String stages, String expected) {
    BsonDocument input = doc(DOC);
    Optional<BsonDocument> out = Pipeline.compileForChangeStream(BsonArray.parse(stages)).apply(input);
    if (expected.equals(DROPPED)) {
      assertThat(out).as(behaviour).isEmpty();
    } else {
      assertThat(out).as(behaviour).isPresent();
      assertThat(exact(out.get())).as(behaviour).isEqualTo(exact(doc(expected)));
    }
    assertThat(exact(input)).as("input not mutated").isEqualTo(exact(doc(DOC)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("pipelines")
  void resultSharesNothingWithTheInput(String behaviour, String stages, String expected) {
    BsonDocument input = doc(DOC);
    Optional<BsonDocument> out = Pipeline.compileForChangeStream(BsonArray.parse(stages)).apply(input);
    out.ifPresent(result -> {
      scribble(result);
      assertThat(exact(input)).as(behaviour).isEqualTo(exact(doc(DOC)));
    });
    assertThat(out.isPresent()).isEqualTo(!expected.equals(DROPPED));
  }

  /** Mutates every document and array in the result. */
  private static void scribble(BsonDocument d) {
    for (var e : d.entrySet()) {
      if (e.getValue().isDocument()) {
        scribble(e.getValue().asDocument());
      } else if (e.getValue().isArray()) {
        e.getValue().asArray().add(new BsonInt32(-1));
      }
    }
    d.put("scribbled", new BsonInt32(1));
  }

  static Stream<String> forbiddenStages() {
    return Stream.of("$group", "$sort", "$limit", "$skip", "$lookup", "$unwind", "$out", "$merge", "$facet", "$count",
        "$bucket", "$sample", "$unionWith", "$graphLookup", "$setWindowFields", "$sortByCount", "$geoNear", "$densify");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("forbiddenStages")
  void knownStagesAChangeStreamMayNotUseAreBadValue(String stage) {
    BsonArray pipeline = new BsonArray();
    pipeline.add(new BsonDocument(stage, new BsonDocument()));
    assertFails(() -> Pipeline.compileForChangeStream(pipeline), ErrorCode.BAD_VALUE,
        stage + " is not permitted in a $changeStream pipeline");
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        arguments("[{$foo: {}}]", ErrorCode.UNRECOGNIZED_PIPELINE_STAGE, List.of("Unrecognized pipeline stage name: '$foo'")),
        arguments("[{match: {}}]", ErrorCode.UNRECOGNIZED_PIPELINE_STAGE, List.of("Unrecognized pipeline stage name: 'match'")),
        arguments("[{$match: {}}, {$group: {_id: null}}]", ErrorCode.BAD_VALUE, List.of("$group is not permitted in a $changeStream pipeline")),
        arguments("['$match']", ErrorCode.BAD_VALUE, List.of("must be an object")),
        arguments("[{$match: {}, $project: {a: 1}}]", ErrorCode.BAD_VALUE, List.of("exactly one field")),
        arguments("[{}]", ErrorCode.BAD_VALUE, List.of("exactly one field")),
        arguments("[{$match: 1}]", ErrorCode.BAD_VALUE, List.of("$match", "object")),
        arguments("[{$match: {$where: 'x'}}]", ErrorCode.BAD_VALUE, List.of("$where")),
        arguments("[{$match: {$expr: {$foo: 1}}}]", ErrorCode.INVALID_PIPELINE_OPERATOR, List.of("Unrecognized expression '$foo'")),
        arguments("[{$project: {}}]", ErrorCode.BAD_VALUE, List.of("at least one field")),
        arguments("[{$project: 'a'}]", ErrorCode.BAD_VALUE, List.of("$project", "object")),
        arguments("[{$project: {a: 0, b: '$x'}}]", ErrorCode.BAD_VALUE, List.of("exclusion projection", "'b'")),
        arguments("[{$project: {a: 0, b: 1}}]", ErrorCode.BAD_VALUE, List.of("Cannot do inclusion on field b in exclusion projection")),
        arguments("[{$project: {a: {}}}]", ErrorCode.BAD_VALUE, List.of("empty sub-projection")),
        arguments("[{$project: {a: 1, 'a.b': '$x'}}]", ErrorCode.BAD_VALUE, List.of("Path collision")),
        arguments("[{$project: {x: {$nope: 1}}}]", ErrorCode.INVALID_PIPELINE_OPERATOR, List.of("Unrecognized expression '$nope'")),
        arguments("[{$addFields: {a: 1, 'a.b': 2}}]", ErrorCode.BAD_VALUE, List.of("$addFields", "Path collision at a.b")),
        arguments("[{$addFields: {'$a': 1}}]", ErrorCode.BAD_VALUE, List.of("$addFields", "'$a'")),
        arguments("[{$set: {'a..b': 1}}]", ErrorCode.BAD_VALUE, List.of("$set", "'a..b'")),
        arguments("[{$addFields: []}]", ErrorCode.BAD_VALUE, List.of("$addFields")),
        arguments("[{$addFields: {}}]", ErrorCode.BAD_VALUE, List.of("$addFields", "at least one field")),
        arguments("[{$addFields: {a: {$bad: 1}}}]", ErrorCode.INVALID_PIPELINE_OPERATOR, List.of("Unrecognized expression '$bad'")),
        arguments("[{$unset: []}]", ErrorCode.BAD_VALUE, List.of("$unset", "at least one field")),
        arguments("[{$unset: ['a', 1]}]", ErrorCode.BAD_VALUE, List.of("$unset", "int 1")),
        arguments("[{$unset: {a: 1}}]", ErrorCode.BAD_VALUE, List.of("$unset")),
        arguments("[{$replaceRoot: {}}]", ErrorCode.BAD_VALUE, List.of("no newRoot specified")),
        arguments("[{$replaceRoot: {newRoot: '$a', other: 1}}]", ErrorCode.BAD_VALUE, List.of("unrecognized option to $replaceRoot stage: 'other'")),
        arguments("[{$replaceRoot: '$a'}]", ErrorCode.BAD_VALUE, List.of("$replaceRoot")));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("invalid")
  void refusesInvalidPipelines(String stages, ErrorCode code, List<String> fragments) {
    assertFails(() -> Pipeline.compileForChangeStream(BsonArray.parse(stages)), code, fragments.toArray(new String[0]));
  }

  static Stream<Arguments> evaluationErrors() {
    return Stream.of(
        arguments("[{$replaceWith: '$b'}]", "$replaceWith: 'newRoot' expression must evaluate to an object, found: string \"x\""),
        arguments("[{$replaceRoot: {newRoot: '$nothing'}}]", "'newRoot' expression must evaluate to an object, found: missing"),
        arguments("[{$replaceRoot: {newRoot: '$e'}}]", "'newRoot' expression must evaluate to an object, found: array"),
        arguments("[{$addFields: {z: {$objectToArray: '$b'}}}]", "$objectToArray requires a document input, found: string"),
        arguments("[{$match: {$expr: {$size: '$a'}}}]", "The argument to $size must be an array"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("evaluationErrors")
  void typeErrorsWhileApplyingAreTypeMismatch(String stages, String fragment) {
    Pipeline pipeline = Pipeline.compileForChangeStream(BsonArray.parse(stages));
    assertFails(() -> pipeline.apply(doc(DOC)), ErrorCode.TYPE_MISMATCH, fragment);
  }

  @Test
  void compilingCopiesTheStages() {
    BsonArray stages = BsonArray.parse("[{$addFields: {z: 1}}]");
    Pipeline pipeline = Pipeline.compileForChangeStream(stages);
    stages.get(0).asDocument().getDocument("$addFields").put("z", new BsonInt32(2));
    assertThat(pipeline.apply(doc("{}")).orElseThrow().getInt32("z").getValue()).isEqualTo(1);
  }

  @Test
  void aPipelineCanBeAppliedManyTimes() {
    Pipeline pipeline = Pipeline.compileForChangeStream(BsonArray.parse("[{$set: {'d.n': {$add: ['$d.x', 1]}}}]"));
    BsonDocument input = doc(DOC);
    String first = exact(pipeline.apply(input).orElseThrow());
    assertThat(exact(pipeline.apply(input).orElseThrow())).isEqualTo(first).contains("\"n\"");
  }
}
