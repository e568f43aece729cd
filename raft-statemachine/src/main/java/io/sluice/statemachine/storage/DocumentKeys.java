package io.sluice.statemachine.storage;

import io.sluice.protocol.BsonBytes;
import java.math.BigDecimal;
import java.util.Map;
import org.bson.BsonArray;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt64;
import org.bson.BsonValue;
import org.bson.types.Decimal128;

/**
 * Turns an {@code _id} value into the storage key of its document. Values that MongoDB considers
 * equal get the same key: numbers of different types with the same value (1, 1L, 1.0), also inside
 * documents and arrays. Keys are plain BSON bytes of the canonical value, so they are deterministic
 * on every node.
 */
public final class DocumentKeys {
  private DocumentKeys() {}

  static byte[] key(BsonValue id) {
    return BsonBytes.encode(new BsonDocument("", canonical(id)));
  }

  /** The one form of a value among those {@code $match} equality treats alike (numbers by exact value, inside documents and arrays too). */
  public static BsonValue canonical(BsonValue value) {
    switch (value.getBsonType()) {
      case INT32:
      case INT64:
        return new BsonInt64(value.asNumber().longValue());
      case DOUBLE: {
        double d = value.asDouble().getValue();
        return Double.isFinite(d) ? canonicalNumber(new BigDecimal(d)) : new BsonDouble(d);
      }
      case DECIMAL128: {
        Decimal128 decimal = value.asDecimal128().getValue();
        if (decimal.isNaN() || decimal.isInfinite()) {
          return new BsonDouble(decimal.doubleValue());
        }
        return canonicalNumber(exactValue(decimal));
      }
      case DOCUMENT: {
        BsonDocument copy = new BsonDocument();
        for (Map.Entry<String, BsonValue> e : value.asDocument().entrySet()) {
          copy.append(e.getKey(), canonical(e.getValue()));
        }
        return copy;
      }
      case ARRAY: {
        BsonArray copy = new BsonArray();
        for (BsonValue v : value.asArray()) {
          copy.add(canonical(v));
        }
        return copy;
      }
      default:
        return value;
    }
  }

  private static BigDecimal exactValue(Decimal128 decimal) {
    try {
      return decimal.bigDecimalValue();
    } catch (ArithmeticException negativeZero) {
      // The only value Decimal128 refuses to convert; it equals 0.
      return BigDecimal.ZERO;
    }
  }

  /**
   * One form per numeric value: a long if the value is an integer in long's range, else a double
   * if a double holds it exactly, else the exact decimal.
   */
  private static BsonValue canonicalNumber(BigDecimal exact) {
    if (exact.signum() == 0) {
      return new BsonInt64(0);
    }
    BigDecimal stripped = exact.stripTrailingZeros();
    if (stripped.scale() <= 0 && stripped.toBigIntegerExact().bitLength() < 64) {
      return new BsonInt64(stripped.longValueExact());
    }
    double approx = stripped.doubleValue();
    if (Double.isFinite(approx) && new BigDecimal(approx).compareTo(stripped) == 0) {
      return new BsonDouble(approx);
    }
    return new BsonDecimal128(new Decimal128(stripped));
  }

}
