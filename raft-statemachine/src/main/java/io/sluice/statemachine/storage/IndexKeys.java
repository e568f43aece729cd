package io.sluice.statemachine.storage;

import io.sluice.statemachine.engine.BsonOrder;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.bson.BsonBinary;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.types.Decimal128;

/**
 * Index keys as bytes whose unsigned lexicographic order is MongoDB's comparison order of the values
 * ({@link BsonOrder}), so that a B-tree of byte keys answers equality and range scans, and values
 * that compare equal (1, 1L, 1.0) get the same bytes. Every encoding starts with its type bracket and
 * is self-delimiting (none is a prefix of another), so the fields of a compound key are simply
 * concatenated, and a descending field is stored as the complement of its bytes.
 */
final class IndexKeys {
  private IndexKeys() {}

  /** Ends a string; a zero byte inside a string is written as 0x00 0xFF, so the end sorts before it. */
  private static final byte[] STRING_END = {0x00, 0x01};
  /** Ends a document or an array: below every type bracket. */
  private static final byte END = 0x00;

  // Numbers: the byte after the bracket orders the classes; finite ones then carry exponent and digits.
  private static final int NAN = 1;
  private static final int NEGATIVE_INFINITY = 2;
  private static final int NEGATIVE = 3;
  private static final int ZERO = 4;
  private static final int POSITIVE = 5;
  private static final int POSITIVE_INFINITY = 6;

  static byte[] encode(BsonValue value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(16);
    write(value, out);
    return out.toByteArray();
  }

  /** The first byte of every key of the value's type bracket: scans a whole bracket from here. */
  static byte[] bracketStart(BsonValue value) {
    return new byte[] {(byte) BsonOrder.bracket(value)};
  }

  /** The bytes with every bit flipped: the same keys in reverse order (a descending index field). */
  static byte[] complement(byte[] bytes) {
    byte[] out = new byte[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      out[i] = (byte) ~bytes[i];
    }
    return out;
  }

  /** The smallest byte string greater than every string that starts with {@code prefix}; null if none is. */
  static byte[] prefixEnd(byte[] prefix) {
    for (int i = prefix.length - 1; i >= 0; i--) {
      if (prefix[i] != (byte) 0xFF) {
        byte[] end = Arrays.copyOf(prefix, i + 1);
        end[i]++;
        return end;
      }
    }
    return null;
  }

  private static void write(BsonValue value, ByteArrayOutputStream out) {
    out.write(BsonOrder.bracket(value));
    switch (value.getBsonType()) {
      case MIN_KEY, MAX_KEY, NULL, UNDEFINED -> { }
      case INT32, INT64, DOUBLE, DECIMAL128 -> writeNumber(value, out);
      case STRING -> writeString(value.asString().getValue(), out);
      case SYMBOL -> writeString(value.asSymbol().getSymbol(), out);
      case DOCUMENT -> writeDocument(value.asDocument(), out);
      case ARRAY -> {
        for (BsonValue element : value.asArray()) {
          write(element, out);
        }
        out.write(END);
      }
      case BINARY -> {
        BsonBinary binary = value.asBinary();
        writeLong(binary.getData().length, 4, out);
        out.write(binary.getType());
        out.writeBytes(binary.getData());
      }
      case OBJECT_ID -> out.writeBytes(value.asObjectId().getValue().toByteArray());
      case BOOLEAN -> out.write(value.asBoolean().getValue() ? 1 : 0);
      case DATE_TIME -> writeLong(value.asDateTime().getValue() ^ Long.MIN_VALUE, 8, out);
      case TIMESTAMP -> writeLong(value.asTimestamp().getValue(), 8, out);
      case REGULAR_EXPRESSION -> {
        writeString(value.asRegularExpression().getPattern(), out);
        writeString(value.asRegularExpression().getOptions(), out);
      }
      case DB_POINTER -> {
        writeString(value.asDBPointer().getNamespace(), out);
        out.writeBytes(value.asDBPointer().getId().toByteArray());
      }
      case JAVASCRIPT -> writeString(value.asJavaScript().getCode(), out);
      case JAVASCRIPT_WITH_SCOPE -> {
        writeString(value.asJavaScriptWithScope().getCode(), out);
        writeDocument(value.asJavaScriptWithScope().getScope(), out);
      }
      default -> throw new IllegalArgumentException("cannot index a value of type " + value.getBsonType());
    }
  }

  /** Field by field as {@link BsonOrder} compares documents: the value's bracket, the name, the value. */
  private static void writeDocument(BsonDocument doc, ByteArrayOutputStream out) {
    for (Map.Entry<String, BsonValue> field : doc.entrySet()) {
      out.write(BsonOrder.bracket(field.getValue()));
      writeString(field.getKey(), out);
      write(field.getValue(), out);
    }
    out.write(END);
  }

  private static void writeString(String s, ByteArrayOutputStream out) {
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      out.write(b);
      if (b == 0) {
        out.write(0xFF);
      }
    }
    out.writeBytes(STRING_END);
  }

  /**
   * A finite non-zero number as sign, then {@code 0.d1d2...dn × 10^e} (no trailing zeros) as the
   * exponent e and the digits; for a negative number both are complemented, so a larger magnitude
   * sorts lower. A shorter digit string sorts first, as the smaller fraction does.
   */
  private static void writeNumber(BsonValue value, ByteArrayOutputStream out) {
    int kind = numberKind(value);
    out.write(kind);
    if (kind != NEGATIVE && kind != POSITIVE) {
      return;
    }
    BigDecimal exact = BsonOrder.exact(value).stripTrailingZeros();
    String digits = exact.unscaledValue().abs().toString();
    int exponent = digits.length() - exact.scale();
    boolean negative = kind == NEGATIVE;
    int flip = negative ? 0xFF : 0x00;
    long sortableExponent = (exponent ^ Integer.MIN_VALUE) & 0xFFFFFFFFL;
    writeLong(negative ? ~sortableExponent : sortableExponent, 4, out);
    for (int i = 0; i < digits.length(); i++) {
      out.write(((digits.charAt(i) - '0') + 1) ^ flip);
    }
    out.write(flip);
  }

  private static int numberKind(BsonValue value) {
    switch (value.getBsonType()) {
      case DOUBLE: {
        double d = value.asDouble().getValue();
        if (Double.isNaN(d)) {
          return NAN;
        }
        if (Double.isInfinite(d)) {
          return d > 0 ? POSITIVE_INFINITY : NEGATIVE_INFINITY;
        }
        return d == 0 ? ZERO : d > 0 ? POSITIVE : NEGATIVE;
      }
      case DECIMAL128: {
        Decimal128 d = value.asDecimal128().getValue();
        if (d.isNaN()) {
          return NAN;
        }
        if (d.isInfinite()) {
          return d.isNegative() ? NEGATIVE_INFINITY : POSITIVE_INFINITY;
        }
        int sign = BsonOrder.exact(value).signum();
        return sign == 0 ? ZERO : sign > 0 ? POSITIVE : NEGATIVE;
      }
      default: {
        long l = value.asNumber().longValue();
        return l == 0 ? ZERO : l > 0 ? POSITIVE : NEGATIVE;
      }
    }
  }

  private static void writeLong(long value, int bytes, ByteArrayOutputStream out) {
    for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) {
      out.write((int) (value >>> shift));
    }
  }
}
