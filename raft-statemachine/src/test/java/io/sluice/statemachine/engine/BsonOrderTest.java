package io.sluice.statemachine.engine;

import static io.sluice.statemachine.engine.Bson.val;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.stream.Stream;
import org.bson.BsonBinary;
import org.bson.BsonBoolean;
import org.bson.BsonDateTime;
import org.bson.BsonDecimal128;
import org.bson.BsonDouble;
import org.bson.BsonInt64;
import org.bson.BsonMaxKey;
import org.bson.BsonMinKey;
import org.bson.BsonNull;
import org.bson.BsonObjectId;
import org.bson.BsonRegularExpression;
import org.bson.BsonString;
import org.bson.BsonSymbol;
import org.bson.BsonTimestamp;
import org.bson.BsonUndefined;
import org.bson.BsonValue;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class BsonOrderTest {

  /** Each type bracket in MongoDB's order, lowest first. */
  static Stream<Arguments> typeBracketsAscending() {
    BsonValue[] ascending = {
        new BsonMinKey(), BsonNull.VALUE, new BsonDouble(-1e300), new BsonString(""), val("{}"), val("[]"),
        new BsonBinary(new byte[0]), new BsonObjectId(new ObjectId("000000000000000000000000")), BsonBoolean.FALSE,
        new BsonDateTime(Long.MIN_VALUE), new BsonTimestamp(0L), new BsonRegularExpression(""), new BsonMaxKey()};
    Stream.Builder<Arguments> cases = Stream.builder();
    for (int i = 0; i + 1 < ascending.length; i++) {
      cases.add(arguments(ascending[i], ascending[i + 1]));
    }
    return cases.build();
  }

  @ParameterizedTest(name = "{0} < {1}")
  @MethodSource("typeBracketsAscending")
  void lowerTypeBracketSortsFirstWhateverTheValues(BsonValue lower, BsonValue higher) {
    assertThat(BsonOrder.compare(lower, higher)).isNegative();
    assertThat(BsonOrder.compare(higher, lower)).isPositive();
    assertThat(BsonOrder.equal(lower, higher)).isFalse();
  }

  static Stream<Arguments> orderedPairs() {
    return Stream.of(
        arguments("int below long", val("1"), val("NumberLong(2)")),
        arguments("int below fractional double", val("1"), val("1.5")),
        arguments("long beyond 2^53 above nearest double", new BsonDouble(9007199254740992.0), new BsonInt64((1L << 53) + 1)),
        arguments("NaN below negative infinity", new BsonDouble(Double.NaN), new BsonDouble(Double.NEGATIVE_INFINITY)),
        arguments("decimal NaN below every long", new BsonDecimal128(Decimal128.NaN), new BsonInt64(Long.MIN_VALUE)),
        arguments("long max below decimal infinity", new BsonInt64(Long.MAX_VALUE), new BsonDecimal128(Decimal128.POSITIVE_INFINITY)),
        arguments("decimal 0.1 below double 0.1 (which is slightly above)", val("NumberDecimal(\"0.1\")"), new BsonDouble(0.1)),
        arguments("string prefix first", val("\"a\""), val("\"aa\"")),
        arguments("strings by code point, not UTF-16 unit", new BsonString("\uFFFF"), new BsonString("\uD83D\uDE00")),
        arguments("symbol compares with string by value", new BsonSymbol("a"), new BsonString("b")),
        arguments("document by value of same field", val("{a: 1}"), val("{a: 2}")),
        arguments("document by field name", val("{a: 1}"), val("{b: 1}")),
        arguments("document prefix first", val("{a: 1}"), val("{a: 1, b: 1}")),
        arguments("document field type before field name", val("{b: 5}"), val("{a: 'x'}")),
        arguments("array element-wise", val("[1, 2]"), val("[1, 3]")),
        arguments("array prefix first", val("[1]"), val("[1, 0]")),
        arguments("empty array first", val("[]"), val("[MinKey]")),
        arguments("false below true", BsonBoolean.FALSE, BsonBoolean.TRUE),
        arguments("dates signed", new BsonDateTime(-1), new BsonDateTime(0)),
        arguments("timestamps unsigned", new BsonTimestamp(1, 0), new BsonTimestamp(0x80000000L << 32)),
        arguments("binary by length first", new BsonBinary(new byte[] {9}), new BsonBinary(new byte[] {0, 0})),
        arguments("binary bytes unsigned", new BsonBinary(new byte[] {1}), new BsonBinary(new byte[] {(byte) 0xff})),
        arguments("object ids by bytes", new BsonObjectId(new ObjectId("000000000000000000000001")),
            new BsonObjectId(new ObjectId("ff0000000000000000000000"))),
        arguments("regex by pattern then flags", new BsonRegularExpression("a", "i"), new BsonRegularExpression("b")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("orderedPairs")
  void comparesValuesWithinABracketByValue(String behaviour, BsonValue lower, BsonValue higher) {
    assertThat(BsonOrder.compare(lower, higher)).as(behaviour).isNegative();
    assertThat(BsonOrder.compare(higher, lower)).as(behaviour).isPositive();
  }

  static Stream<Arguments> equalPairs() {
    return Stream.of(
        arguments("int equals long", val("1"), val("NumberLong(1)")),
        arguments("int equals double", val("1"), val("1.0")),
        arguments("long equals decimal with trailing zeros", val("NumberLong(1)"), val("NumberDecimal(\"1.000\")")),
        arguments("negative zero equals zero", new BsonDouble(-0.0), val("0")),
        arguments("decimal negative zero equals zero", new BsonDecimal128(Decimal128.NEGATIVE_ZERO), val("0")),
        arguments("NaN equals NaN across types", new BsonDouble(Double.NaN), new BsonDecimal128(Decimal128.NaN)),
        arguments("null equals undefined", BsonNull.VALUE, new BsonUndefined()),
        arguments("documents with numerically equal values", val("{a: 1, b: [2]}"), val("{a: 1.0, b: [NumberLong(2)]}")),
        arguments("symbol equals string", new BsonSymbol("x"), new BsonString("x")),
        arguments("min keys", new BsonMinKey(), new BsonMinKey()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("equalPairs")
  void numericallyOrStructurallyEqualValuesCompareEqual(String behaviour, BsonValue a, BsonValue b) {
    assertThat(BsonOrder.compare(a, b)).as(behaviour).isZero();
    assertThat(BsonOrder.compare(b, a)).as(behaviour).isZero();
    assertThat(BsonOrder.equal(a, b)).as(behaviour).isTrue();
  }
}
