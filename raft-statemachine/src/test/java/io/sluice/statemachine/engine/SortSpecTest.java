package io.sluice.statemachine.engine;

import static io.sluice.statemachine.engine.Bson.assertFails;
import static io.sluice.statemachine.engine.Bson.doc;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.sluice.protocol.ErrorCode;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SortSpecTest {

  /** behaviour, sort spec, documents (a JSON array, each with an _id), expected _ids in sorted order. */
  static Stream<Arguments> sorts() {
    return Stream.of(
        arguments("ascending numbers across types", "{a: 1}", "[{_id: 1, a: 3}, {_id: 2, a: NumberLong(1)}, {_id: 3, a: 2.5}]", "[2, 3, 1]"),
        arguments("descending", "{a: -1}", "[{_id: 1, a: 3}, {_id: 2, a: 1}, {_id: 3, a: 2}]", "[1, 3, 2]"),
        arguments("missing sorts with null, before numbers", "{a: 1}", "[{_id: 1, a: 1}, {_id: 2}, {_id: 3, a: null}]", "[2, 3, 1]"),
        arguments("types in BSON order", "{a: 1}", "[{_id: 1, a: true}, {_id: 2, a: 'x'}, {_id: 3, a: {}}, {_id: 4, a: 5}]",
            "[4, 2, 3, 1]"),
        arguments("ties broken by the next key", "{a: 1, b: -1}", "[{_id: 1, a: 1, b: 1}, {_id: 2, a: 1, b: 2}, {_id: 3, a: 0, b: 0}]",
            "[3, 2, 1]"),
        arguments("equal documents keep their input order", "{a: 1}", "[{_id: 3, a: 1}, {_id: 1, a: 1.0}, {_id: 2, a: 0}]", "[2, 3, 1]"),
        arguments("ascending by an array's smallest element", "{a: 1}", "[{_id: 1, a: [5, 0]}, {_id: 2, a: 1}, {_id: 3, a: [2, 3]}]",
            "[1, 2, 3]"),
        arguments("descending by an array's largest element", "{a: -1}", "[{_id: 1, a: [5, 0]}, {_id: 2, a: 4}, {_id: 3, a: [2, 9]}]",
            "[3, 1, 2]"),
        arguments("empty array sorts before null", "{a: 1}", "[{_id: 1, a: null}, {_id: 2, a: []}, {_id: 3, a: MinKey}]", "[3, 2, 1]"),
        arguments("dotted path", "{'a.b': 1}", "[{_id: 1, a: {b: 2}}, {_id: 2, a: {b: 1}}]", "[2, 1]"),
        arguments("dotted path through an array of documents", "{'a.b': -1}",
            "[{_id: 1, a: [{b: 1}, {b: 7}]}, {_id: 2, a: [{b: 5}]}]", "[1, 2]"),
        arguments("strings by code point", "{s: 1}", "[{_id: 1, s: 'b'}, {_id: 2, s: 'B'}, {_id: 3, s: 'a'}]", "[2, 3, 1]"),
        arguments("empty spec keeps input order", "{}", "[{_id: 2}, {_id: 1}]", "[2, 1]"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("sorts")
  void sortsLikeMongoDb(String behaviour, String spec, String documents, String expectedIds) {
    List<BsonDocument> docs = new ArrayList<>();
    for (BsonValue v : BsonArray.parse(documents)) {
      docs.add(v.asDocument());
    }
    docs.sort(SortSpec.compile(doc(spec)).comparator());
    BsonArray ids = new BsonArray();
    docs.forEach(d -> ids.add(d.get("_id")));
    assertThat(ids).as(behaviour).isEqualTo(BsonArray.parse(expectedIds));
  }

  static Stream<String> invalidDirections() {
    return Stream.of("{a: 2}", "{a: 0}", "{a: 'asc'}", "{a: true}", "{a: {$meta: 'textScore'}}", "{a: 1, b: 0.5}");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidDirections")
  void directionsOtherThanOneOrMinusOneFailWithBadValue(String spec) {
    assertFails(() -> SortSpec.compile(doc(spec)), ErrorCode.BAD_VALUE,
        "$sort key ordering must be 1 (for ascending) or -1 (for descending)");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("acceptedDirections")
  void numericOneAndMinusOneOfAnyTypeAreAccepted(String spec) {
    assertThat(SortSpec.compile(doc(spec)).comparator().compare(doc("{a: 1}"), doc("{a: 2}"))).isNotZero();
  }

  static Stream<String> acceptedDirections() {
    return Stream.of("{a: 1}", "{a: -1}", "{a: NumberLong(1)}", "{a: -1.0}", "{a: NumberDecimal('1')}");
  }
}
