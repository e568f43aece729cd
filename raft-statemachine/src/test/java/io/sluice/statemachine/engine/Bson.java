package io.sluice.statemachine.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/** Test shorthand: BSON from shell-style JSON, and assertions on SluiceException. */
final class Bson {
  private Bson() {}

  /** A document from shell-style JSON, e.g. {@code {a: NumberLong(1), b: [1, "x"]}}. */
  static BsonDocument doc(String json) {
    return BsonDocument.parse(json);
  }

  /** A single value from shell-style JSON, e.g. {@code NumberDecimal("1.5")}. */
  static BsonValue val(String json) {
    return BsonDocument.parse("{v: " + json + "}").get("v");
  }

  /** Runs the code, asserts it throws a SluiceException with this code whose reason contains every fragment. */
  static SluiceException assertFails(ThrowingCallable code, ErrorCode expected, String... fragments) {
    SluiceException e = catchThrowableOfType(SluiceException.class, code);
    assertThat(e).as("expected a SluiceException %s", expected).isNotNull();
    assertThat(e.errorCode()).as(e.getMessage()).isEqualTo(expected);
    for (String fragment : fragments) {
      assertThat(e.reason()).contains(fragment);
    }
    return e;
  }

  /** Exact equality including field order and types, via the encoded bytes' JSON. */
  static void assertSameDocument(BsonDocument actual, BsonDocument expected) {
    assertThat(actual.toJson()).isEqualTo(expected.toJson());
  }
}
