package io.sluice.statemachine.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.statemachine.engine.BsonOrder;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonBoolean;
import org.bson.BsonDateTime;
import org.bson.BsonDbPointer;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonJavaScript;
import org.bson.BsonJavaScriptWithScope;
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
import org.junit.jupiter.api.Test;

/** The byte order of index keys against the engine's comparison order, on random values of every type. */
class IndexKeysTest {

  @Property(tries = 3_000)
  void byteOrderIsBsonOrder(@ForAll("values") BsonValue a, @ForAll("values") BsonValue b) {
    int expected = Integer.signum(BsonOrder.compare(a, b));
    assertThat(Integer.signum(Arrays.compareUnsigned(IndexKeys.encode(a), IndexKeys.encode(b))))
        .as("%s vs %s", a, b).isEqualTo(expected);
    assertThat(Integer.signum(Arrays.compareUnsigned(IndexKeys.complement(IndexKeys.encode(a)), IndexKeys.complement(IndexKeys.encode(b)))))
        .as("descending %s vs %s", a, b).isEqualTo(-expected);
  }

  /** Concatenated keys (a compound index) compare field by field: no encoding is a prefix of another. */
  @Property(tries = 2_000)
  void concatenationComparesFieldByField(@ForAll("values") BsonValue a, @ForAll("values") BsonValue b,
      @ForAll("values") BsonValue c, @ForAll("values") BsonValue d) {
    int first = Integer.signum(BsonOrder.compare(a, b));
    int expected = first != 0 ? first : Integer.signum(BsonOrder.compare(c, d));
    assertThat(Integer.signum(Arrays.compareUnsigned(concat(IndexKeys.encode(a), IndexKeys.encode(c)),
        concat(IndexKeys.encode(b), IndexKeys.encode(d))))).as("(%s, %s) vs (%s, %s)", a, c, b, d).isEqualTo(expected);
  }

  @Test
  void equalNumbersOfEveryTypeShareOneKey() {
    byte[] one = IndexKeys.encode(new BsonInt32(1));
    for (BsonValue same : List.of(new BsonInt64(1), new BsonDouble(1.0), new BsonDecimal128(Decimal128.parse("1.000")))) {
      assertThat(IndexKeys.encode(same)).as("%s", same).isEqualTo(one);
    }
    assertThat(IndexKeys.encode(new BsonDouble(-0.0))).isEqualTo(IndexKeys.encode(new BsonInt32(0)))
        .isEqualTo(IndexKeys.encode(new BsonDecimal128(Decimal128.NEGATIVE_ZERO)));
  }

  @Test
  void longsBeyondDoublePrecisionStayDistinct() {
    long big = 1L << 53;
    assertThat(Arrays.compareUnsigned(IndexKeys.encode(new BsonInt64(big)), IndexKeys.encode(new BsonInt64(big + 1)))).isNegative();
    assertThat(IndexKeys.encode(new BsonInt64(big))).isEqualTo(IndexKeys.encode(new BsonDouble(big)));
  }

  @Test
  void prefixEndIsTheNextPrefix() {
    assertThat(IndexKeys.prefixEnd(new byte[] {1, 2})).containsExactly(1, 3);
    assertThat(IndexKeys.prefixEnd(new byte[] {1, (byte) 0xFF})).containsExactly(2);
    assertThat(IndexKeys.prefixEnd(new byte[] {(byte) 0xFF})).isNull();
  }

  private static byte[] concat(byte[] x, byte[] y) {
    byte[] out = Arrays.copyOf(x, x.length + y.length);
    System.arraycopy(y, 0, out, x.length, y.length);
    return out;
  }

  private static Arbitrary<BsonValue> scalars() {
    return Arbitraries.oneOf(
        Arbitraries.integers().between(-3, 3).map(i -> (BsonValue) new BsonInt32(i)),
        Arbitraries.of(Long.MIN_VALUE, -1L << 53, (1L << 53) + 1, 1L << 53, 10L, 100L, Long.MAX_VALUE)
            .map(l -> (BsonValue) new BsonInt64(l)),
        Arbitraries.of(-1.5, -0.0, 0.0, 0.1, 0.5, 1.0, 2.5, 10.0, 1e300, -1e-300, 9007199254740992.0, Double.NaN,
            Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.MIN_VALUE).map(d -> (BsonValue) new BsonDouble(d)),
        Arbitraries.of("0.1", "1.00", "-2.5", "12345678901234567890123456789012", "1E+6000", "-1E-6000", "NaN", "-Infinity", "Infinity",
            "-0", "0.1000000000000000055511151231257827")
            .map(s -> (BsonValue) new BsonDecimal128(Decimal128.parse(s))),
        Arbitraries.of("", "a", "a\0", "a\0b", "a\u0001", "ab", "b", "\u00e9", "\uD83D\uDE00", "\uFFFF").map(s -> (BsonValue) new BsonString(s)),
        Arbitraries.of("a", "ab").map(s -> (BsonValue) new BsonSymbol(s)),
        Arbitraries.of(new byte[0], new byte[] {1}, new byte[] {(byte) 0xFF}, new byte[] {0, 1})
            .flatMap(bytes -> Arbitraries.of((byte) 0, (byte) 4, (byte) 0x80).map(t -> (BsonValue) new BsonBinary(t, bytes))),
        Arbitraries.of("000000000000000000000000", "0000000000000000000000ff", "ff0000000000000000000000")
            .map(s -> (BsonValue) new BsonObjectId(new ObjectId(s))),
        Arbitraries.<BsonValue>of(BsonBoolean.TRUE, BsonBoolean.FALSE, BsonNull.VALUE, new BsonUndefined(), new BsonMinKey(), new BsonMaxKey()),
        Arbitraries.of(Long.MIN_VALUE, -1L, 0L, 1L, Long.MAX_VALUE).map(l -> (BsonValue) new BsonDateTime(l)),
        Arbitraries.of(0L, 1L, -1L, Long.MIN_VALUE).map(l -> (BsonValue) new BsonTimestamp(l)),
        Combinators.combine(Arbitraries.of("a", "a\0", "b"), Arbitraries.of("", "i")).as((p, o) -> (BsonValue) new BsonRegularExpression(p, o)),
        Combinators.combine(Arbitraries.of("db.a", "db.b"), Arbitraries.of("000000000000000000000000", "0000000000000000000000ff"))
            .as((ns, id) -> (BsonValue) new BsonDbPointer(ns, new ObjectId(id))),
        Arbitraries.of("x", "x\0", "y").map(code -> (BsonValue) new BsonJavaScript(code)),
        Combinators.combine(Arbitraries.of("x", "y"), Arbitraries.of("{}", "{a: 1}", "{a: 'b'}"))
            .as((code, scope) -> (BsonValue) new BsonJavaScriptWithScope(code, BsonDocument.parse(scope))));
  }

  @Provide
  Arbitrary<BsonValue> values() {
    return Arbitraries.recursive(IndexKeysTest::scalars, inner -> Arbitraries.oneOf(
        inner.list().ofMaxSize(3).map(l -> (BsonValue) new BsonArray(l)),
        Combinators.combine(Arbitraries.of("a", "b", "a\0"), inner).as((name, value) -> new BsonDocument(name, value)).list().ofMaxSize(3)
            .map(fields -> {
              BsonDocument doc = new BsonDocument();
              fields.forEach(doc::putAll);
              return (BsonValue) doc;
            })), 0, 2);
  }
}
