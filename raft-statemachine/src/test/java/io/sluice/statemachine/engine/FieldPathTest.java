package io.sluice.statemachine.engine;

import static io.sluice.statemachine.engine.Bson.assertFails;
import static io.sluice.statemachine.engine.Bson.assertSameDocument;
import static io.sluice.statemachine.engine.Bson.doc;
import static io.sluice.statemachine.engine.Bson.val;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.sluice.protocol.ErrorCode;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FieldPathTest {

  static Stream<Arguments> gets() {
    return Stream.of(
        arguments("{a: 1}", "a", "1"),
        arguments("{a: {b: {c: 'x'}}}", "a.b.c", "'x'"),
        arguments("{a: {b: 1}}", "a.b.c", null),
        arguments("{a: [10, 20]}", "a.1", "20"),
        arguments("{a: [10, 20]}", "a.2", null),
        arguments("{a: [{b: 1}, {b: 2}]}", "a.1.b", "2"),
        arguments("{a: [{b: 1}]}", "a.b", null),
        arguments("{a: {'0': 'field'}}", "a.0", "'field'"),
        arguments("{a: [10]}", "a.00", null),
        arguments("{a: null}", "a", "null"),
        arguments("{a: 5}", "a.b", null),
        arguments("{}", "a", null));
  }

  @ParameterizedTest(name = "get({1}) of {0} is {2}")
  @MethodSource("gets")
  void getFollowsTheExactPathWithNumericComponentsIndexingArrays(String json, String path, String expected) {
    Optional<BsonValue> actual = FieldPath.get(doc(json), path);
    if (expected == null) {
      assertThat(actual).isEmpty();
    } else {
      assertThat(actual).contains(val(expected));
    }
  }

  static Stream<Arguments> sets() {
    return Stream.of(
        arguments("{a: 1, b: 2}", "a", "9", "{a: 9, b: 2}"),
        arguments("{a: 1}", "b", "2", "{a: 1, b: 2}"),
        arguments("{}", "a.b.c", "1", "{a: {b: {c: 1}}}"),
        arguments("{a: {x: 1}}", "a.y", "2", "{a: {x: 1, y: 2}}"),
        arguments("{a: [1, 2]}", "a.0", "9", "{a: [9, 2]}"),
        arguments("{a: [1]}", "a.3", "4", "{a: [1, null, null, 4]}"),
        arguments("{a: [{b: 1}]}", "a.0.b", "2", "{a: [{b: 2}]}"),
        arguments("{a: []}", "a.1.b", "2", "{a: [null, {b: 2}]}"),
        arguments("{}", "a.0", "1", "{a: {'0': 1}}"),
        arguments("{a: null}", "a", "[1]", "{a: [1]}"));
  }

  @ParameterizedTest(name = "set({1}, {2}) on {0} gives {3}")
  @MethodSource("sets")
  void setCreatesDocumentsPadsArraysAndKeepsFieldPositions(String json, String path, String value, String expected) {
    BsonDocument target = doc(json);
    FieldPath.set(target, path, val(value));
    assertSameDocument(target, doc(expected));
  }

  static Stream<Arguments> nonViableSets() {
    return Stream.of(
        arguments("{a: 5}", "a.b", "Cannot create field 'b' in element {a: 5}"),
        arguments("{a: {b: 'x'}}", "a.b.c", "Cannot create field 'c' in element {b: \"x\"}"),
        arguments("{a: [1]}", "a.b", "Cannot create field 'b' in element {a: [1]}"),
        arguments("{a: [1]}", "a.0.c", "Cannot create field 'c' in element {0: 1}"));
  }

  @ParameterizedTest(name = "set({1}) on {0} fails")
  @MethodSource("nonViableSets")
  void setThroughAScalarOrNamedFieldOfArrayFailsNamingThePath(String json, String path, String message) {
    BsonDocument target = doc(json);
    assertFails(() -> FieldPath.set(target, path, val("1")), ErrorCode.BAD_VALUE, message, "'" + path + "'");
    assertSameDocument(target, doc(json));
  }

  @Test
  void setRefusesEmptyPathComponents() {
    assertFails(() -> FieldPath.set(new BsonDocument(), "a..b", val("1")), ErrorCode.BAD_VALUE, "'a..b'", "empty field name");
  }

  @Test
  void setRefusesToPadAnArrayBeyondMongoDbsLimit() {
    assertFails(() -> FieldPath.set(doc("{a: []}"), "a.1500001", val("1")), ErrorCode.BAD_VALUE, "backfill", "'a'");
  }

  static Stream<Arguments> unsets() {
    return Stream.of(
        arguments("{a: 1, b: 2}", "a", true, "{b: 2}"),
        arguments("{a: {b: 1, c: 2}}", "a.b", true, "{a: {c: 2}}"),
        arguments("{a: [1, 2, 3]}", "a.1", true, "{a: [1, null, 3]}"),
        arguments("{a: [{b: 1}]}", "a.0.b", true, "{a: [{}]}"),
        arguments("{a: 1}", "b", false, "{a: 1}"),
        arguments("{a: 1}", "a.b", false, "{a: 1}"),
        arguments("{a: [1]}", "a.5", false, "{a: [1]}"),
        arguments("{a: [{b: 1}]}", "a.b", false, "{a: [{b: 1}]}"));
  }

  @ParameterizedTest(name = "unset({1}) on {0} gives {3}")
  @MethodSource("unsets")
  void unsetRemovesFieldsAndNullsArrayElements(String json, String path, boolean existed, String expected) {
    BsonDocument target = doc(json);
    assertThat(FieldPath.unset(target, path)).isEqualTo(existed);
    assertSameDocument(target, doc(expected));
  }

  static Stream<Arguments> candidates() {
    return Stream.of(
        arguments("{a: 1}", "a", "[1]", 0),
        arguments("{}", "a", "[]", 1),
        arguments("{a: [1, 2]}", "a", "[1, 2, [1, 2]]", 0),
        arguments("{a: [{b: 1}, {b: [2, 3]}, {c: 4}, 5]}", "a.b", "[1, 2, 3, [2, 3]]", 1),
        arguments("{a: [[{b: 1}]]}", "a.b", "[]", 0),
        arguments("{a: [{b: 1}, {b: 2}]}", "a.1.b", "[2]", 0),
        arguments("{a: [7, 8]}", "a.1", "[8]", 0),
        arguments("{a: [7]}", "a.4", "[]", 1),
        arguments("{a: 5}", "a.b", "[]", 1),
        arguments("{a: {b: [{c: 1}, {c: 2}]}}", "a.b.c", "[1, 2]", 0));
  }

  @ParameterizedTest(name = "candidates({1}) of {0} are {2} plus {3} missing")
  @MethodSource("candidates")
  void candidatesFollowMongoDbArraySemantics(String json, String path, String present, int missing) {
    List<Optional<BsonValue>> actual = FieldPath.candidates(doc(json), path);
    BsonArray found = new BsonArray();
    actual.stream().flatMap(Optional::stream).forEach(found::add);
    assertThat(found).isEqualTo(val(present));
    assertThat(actual.stream().filter(Optional::isEmpty).count()).isEqualTo(missing);
  }

  @Test
  void candidatesCanKeepALeafArrayWhole() {
    assertThat(FieldPath.candidates(doc("{a: [1, 2]}"), "a", FieldPath.LeafArrays.KEEP)).containsExactly(Optional.of(val("[1, 2]")));
  }
}
