package io.sluice.statemachine.storage;

import static org.assertj.core.api.Assertions.assertThat;

import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Storage keys of {@code _id} values: equal for values MongoDB finds equal, different otherwise. */
class DocumentKeysTest {

  private static BsonValue val(String json) {
    return BsonDocument.parse("{v: " + json + "}").get("v");
  }

  @ParameterizedTest(name = "{0} and {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "1                        | NumberLong(1)",
      "1                        | 1.0",
      "1                        | NumberDecimal('1.000')",
      "-3                       | -3.0",
      "0                        | -0.0",
      "2.5                      | NumberDecimal('2.5')",
      "NumberLong('9007199254740992') | 9007199254740992.0",
      "{a: 1}                   | {a: 1.0}",
      "{a: {b: [1, {c: 2}]}}    | {a: {b: [NumberLong(1), {c: 2.0}]}}",
      "[1, 'x']                 | [1.0, 'x']"})
  void equalValuesGetTheSameKey(String a, String b) {
    assertThat(DocumentKeys.key(val(a))).isEqualTo(DocumentKeys.key(val(b)));
  }

  @ParameterizedTest(name = "{0} and {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "1                        | 1.5",
      "1                        | '1'",
      "{a: 1, b: 2}             | {b: 2, a: 1}",
      "[1]                      | 1",
      "{a: 1}                   | {a: '1'}",
      "NumberLong('9007199254740993') | 9007199254740992.0",
      "true                     | 1",
      "null                     | 0",
      "NumberDecimal('NaN')     | NumberDecimal('Infinity')",
      "NumberDecimal('Infinity') | NumberDecimal('-Infinity')"})
  void differentValuesGetDifferentKeys(String a, String b) {
    assertThat(DocumentKeys.key(val(a))).isNotEqualTo(DocumentKeys.key(val(b)));
  }

  @Test
  void keyIsDeterministicAndDoesNotChangeTheValue() {
    BsonValue id = val("{a: 1, b: [2.0, {c: NumberLong(3)}]}");
    String before = new BsonDocument("v", id).toJson();
    assertThat(DocumentKeys.key(id)).isEqualTo(DocumentKeys.key(val("{a: 1, b: [2.0, {c: NumberLong(3)}]}")));
    assertThat(new BsonDocument("v", id).toJson()).isEqualTo(before);
  }

  @ParameterizedTest
  @CsvSource({"NaN, NumberDecimal('NaN')", "Infinity, NumberDecimal('Infinity')", "-Infinity, NumberDecimal('-Infinity')"})
  void nonFiniteDoubleGetsTheKeyOfTheEqualDecimal(String asDouble, String asDecimal) {
    assertThat(DocumentKeys.key(val(asDouble))).isEqualTo(DocumentKeys.key(val(asDecimal)));
  }

  @Test
  void negativeZeroDecimalGetsTheKeyOfZero() {
    assertThat(DocumentKeys.key(val("NumberDecimal('-0')"))).isEqualTo(DocumentKeys.key(val("0")));
  }

  @Test
  void distinctDecimalsGetDifferentKeys() {
    assertThat(DocumentKeys.key(val("NumberDecimal('0.1')")))
        .isNotEqualTo(DocumentKeys.key(val("NumberDecimal('0.10000000000000000001')")));
  }

  @Test
  void largeIntegralDoubleGetsTheKeyOfTheEqualLong() {
    BsonValue asDouble = val("1152921504606847232.0");
    assertThat(DocumentKeys.key(asDouble)).isEqualTo(DocumentKeys.key(val("NumberLong('1152921504606847232')")));
    assertThat(DocumentKeys.key(asDouble)).isNotEqualTo(DocumentKeys.key(val("NumberLong('1152921504606847230')")));
  }
}
