package io.sluice.statemachine.engine;

import static io.sluice.statemachine.engine.Bson.assertFails;
import static io.sluice.statemachine.engine.Bson.doc;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.Limits;
import java.util.stream.Stream;
import org.bson.BsonBinary;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DocumentLimitsTest {

  /** A document of exactly {@code size} encoded bytes: {_id: 1, b: BinData(...)}. */
  private static BsonDocument ofSize(int size) {
    int overhead = DocumentLimits.encodedSize(new BsonDocument("_id", new BsonInt32(1)).append("b", new BsonBinary(new byte[0])));
    return new BsonDocument("_id", new BsonInt32(1)).append("b", new BsonBinary(new byte[size - overhead]));
  }

  static Stream<Arguments> sizes() {
    return Stream.of(
        arguments("{}", 5),
        arguments("{a: 1}", 12),
        arguments("{a: 'xy'}", 15),
        arguments("{a: {b: NumberLong(1)}}", 24));
  }

  @ParameterizedTest(name = "{0} is {1} bytes")
  @MethodSource("sizes")
  void encodedSizeIsTheBsonByteCount(String json, int bytes) {
    assertThat(DocumentLimits.encodedSize(doc(json))).isEqualTo(bytes);
  }

  @Test
  void documentOfExactlyTheLimitIsAccepted() {
    BsonDocument atLimit = ofSize(Limits.MAX_DOCUMENT_BYTES);
    assertThat(DocumentLimits.encodedSize(atLimit)).isEqualTo(Limits.MAX_DOCUMENT_BYTES);
    assertThatCode(() -> DocumentLimits.checkInsertSize(atLimit)).doesNotThrowAnyException();
    assertThatCode(() -> DocumentLimits.checkUpdatedSize(atLimit)).doesNotThrowAnyException();
  }

  @Test
  void insertOneByteOverTheLimitFailsNamingSizeAndLimit() {
    BsonDocument over = ofSize(Limits.MAX_DOCUMENT_BYTES + 1);
    assertFails(() -> DocumentLimits.checkInsertSize(over), ErrorCode.BSON_OBJECT_TOO_LARGE,
        String.valueOf(Limits.MAX_DOCUMENT_BYTES + 1), String.valueOf(Limits.MAX_DOCUMENT_BYTES));
  }

  @Test
  void updateResultOverTheLimitFailsWithDocumentAfterUpdateTooLarge() {
    BsonDocument over = ofSize(Limits.MAX_DOCUMENT_BYTES + 10);
    assertFails(() -> DocumentLimits.checkUpdatedSize(over), ErrorCode.DOCUMENT_AFTER_UPDATE_TOO_LARGE,
        String.valueOf(Limits.MAX_DOCUMENT_BYTES + 10), String.valueOf(Limits.MAX_DOCUMENT_BYTES));
  }

  static Stream<Arguments> unstorable() {
    return Stream.of(
        arguments("{_id: 1, $set: 1}", "$set"),
        arguments("{_id: [1, 2]}", "array"),
        arguments("{_id: /x/}", "regex"),
        arguments("{_id: undefined}", "undefined"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unstorable")
  void unstorableDocumentsFailWithBadValue(String json, String fragment) {
    assertFails(() -> DocumentLimits.checkStorable(doc(json)), ErrorCode.BAD_VALUE, fragment);
  }

  static Stream<String> storable() {
    return Stream.of("{_id: 1, a: {$x: 1}}", "{_id: {a: 1}}", "{a: 1}", "{_id: null, 'a.b': 1}");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("storable")
  void storableDocumentsPass(String json) {
    assertThatCode(() -> DocumentLimits.checkStorable(doc(json))).doesNotThrowAnyException();
  }
}
