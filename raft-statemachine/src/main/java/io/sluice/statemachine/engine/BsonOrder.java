package io.sluice.statemachine.engine;

import java.math.BigDecimal;
import java.util.Iterator;
import java.util.Map;
import org.bson.BsonBinary;
import org.bson.BsonDocument;
import org.bson.BsonRegularExpression;
import org.bson.BsonType;
import org.bson.BsonValue;
import org.bson.types.Decimal128;

/**
 * MongoDB's comparison order of BSON values: first by type bracket (MinKey &lt; null/undefined &lt;
 * numbers &lt; string/symbol &lt; document &lt; array &lt; binData &lt; ObjectId &lt; boolean &lt; date &lt;
 * timestamp &lt; regex &lt; dbPointer &lt; javascript &lt; javascriptWithScope &lt; MaxKey), then by value.
 * Numbers compare exactly by value across int32, int64, double and decimal128 (NaN is below every
 * other number and equal to itself); strings compare by code point, which is UTF-8 byte order.
 */
public final class BsonOrder {
  private BsonOrder() {}

  /** Negative, zero or positive as {@code a} sorts before, with or after {@code b}. */
  public static int compare(BsonValue a, BsonValue b) {
    int byBracket = Integer.compare(bracket(a), bracket(b));
    if (byBracket != 0) {
      return byBracket;
    }
    switch (a.getBsonType()) {
      case MIN_KEY, MAX_KEY, NULL, UNDEFINED:
        return 0;
      case INT32, INT64, DOUBLE, DECIMAL128:
        return compareNumbers(a, b);
      case STRING, SYMBOL:
        return compareStrings(stringOf(a), stringOf(b));
      case DOCUMENT:
        return compareDocuments(a.asDocument(), b.asDocument());
      case ARRAY:
        return compareSequences(a.asArray().iterator(), b.asArray().iterator());
      case BINARY:
        return compareBinaries(a.asBinary(), b.asBinary());
      case OBJECT_ID:
        return a.asObjectId().getValue().compareTo(b.asObjectId().getValue());
      case BOOLEAN:
        return Boolean.compare(a.asBoolean().getValue(), b.asBoolean().getValue());
      case DATE_TIME:
        return Long.compare(a.asDateTime().getValue(), b.asDateTime().getValue());
      case TIMESTAMP:
        return Long.compareUnsigned(a.asTimestamp().getValue(), b.asTimestamp().getValue());
      case REGULAR_EXPRESSION: {
        BsonRegularExpression x = a.asRegularExpression();
        BsonRegularExpression y = b.asRegularExpression();
        int byPattern = compareStrings(x.getPattern(), y.getPattern());
        return byPattern != 0 ? byPattern : compareStrings(x.getOptions(), y.getOptions());
      }
      case DB_POINTER: {
        int byNamespace = compareStrings(a.asDBPointer().getNamespace(), b.asDBPointer().getNamespace());
        return byNamespace != 0 ? byNamespace : a.asDBPointer().getId().compareTo(b.asDBPointer().getId());
      }
      case JAVASCRIPT:
        return compareStrings(a.asJavaScript().getCode(), b.asJavaScript().getCode());
      case JAVASCRIPT_WITH_SCOPE: {
        int byCode = compareStrings(a.asJavaScriptWithScope().getCode(), b.asJavaScriptWithScope().getCode());
        return byCode != 0 ? byCode
            : compareDocuments(a.asJavaScriptWithScope().getScope(), b.asJavaScriptWithScope().getScope());
      }
      default:
        throw new IllegalArgumentException("not a comparable BSON value: " + a.getBsonType());
    }
  }

  /** True if the two values compare equal, e.g. 1, 1L and 1.0. */
  public static boolean equal(BsonValue a, BsonValue b) {
    return compare(a, b) == 0;
  }

  /** The rank of the value's type bracket; values of different brackets never compare equal. */
  public static int bracket(BsonValue v) {
    return bracket(v.getBsonType());
  }

  static int bracket(BsonType type) {
    return switch (type) {
      case MIN_KEY -> 1;
      case NULL, UNDEFINED -> 2;
      case INT32, INT64, DOUBLE, DECIMAL128 -> 3;
      case STRING, SYMBOL -> 4;
      case DOCUMENT -> 5;
      case ARRAY -> 6;
      case BINARY -> 7;
      case OBJECT_ID -> 8;
      case BOOLEAN -> 9;
      case DATE_TIME -> 10;
      case TIMESTAMP -> 11;
      case REGULAR_EXPRESSION -> 12;
      case DB_POINTER -> 13;
      case JAVASCRIPT -> 14;
      case JAVASCRIPT_WITH_SCOPE -> 15;
      case MAX_KEY -> 16;
      default -> throw new IllegalArgumentException("not a comparable BSON value: " + type);
    };
  }

  static boolean isNaN(BsonValue v) {
    return switch (v.getBsonType()) {
      case DOUBLE -> Double.isNaN(v.asDouble().getValue());
      case DECIMAL128 -> v.asDecimal128().getValue().isNaN();
      default -> false;
    };
  }

  /** Compares strings by code point, which is the byte order of their UTF-8 encodings. */
  static int compareStrings(String x, String y) {
    int n = Math.min(x.length(), y.length());
    for (int i = 0; i < n; i++) {
      char cx = x.charAt(i);
      char cy = y.charAt(i);
      if (cx != cy) {
        if (Character.isSurrogate(cx) || Character.isSurrogate(cy)) {
          return Integer.compare(x.codePointAt(i), y.codePointAt(i));
        }
        return Character.compare(cx, cy);
      }
    }
    return Integer.compare(x.length(), y.length());
  }

  private static String stringOf(BsonValue v) {
    return v.isString() ? v.asString().getValue() : v.asSymbol().getSymbol();
  }

  /** Field by field: the value's type bracket, then the field name, then the value; a prefix is less. */
  private static int compareDocuments(BsonDocument a, BsonDocument b) {
    Iterator<Map.Entry<String, BsonValue>> x = a.entrySet().iterator();
    Iterator<Map.Entry<String, BsonValue>> y = b.entrySet().iterator();
    while (x.hasNext() && y.hasNext()) {
      Map.Entry<String, BsonValue> ex = x.next();
      Map.Entry<String, BsonValue> ey = y.next();
      int c = Integer.compare(bracket(ex.getValue()), bracket(ey.getValue()));
      if (c == 0) {
        c = compareStrings(ex.getKey(), ey.getKey());
      }
      if (c == 0) {
        c = compare(ex.getValue(), ey.getValue());
      }
      if (c != 0) {
        return c;
      }
    }
    return Boolean.compare(x.hasNext(), y.hasNext());
  }

  private static int compareSequences(Iterator<BsonValue> x, Iterator<BsonValue> y) {
    while (x.hasNext() && y.hasNext()) {
      int c = compare(x.next(), y.next());
      if (c != 0) {
        return c;
      }
    }
    return Boolean.compare(x.hasNext(), y.hasNext());
  }

  /** As MongoDB: by length, then subtype, then the bytes (unsigned). */
  private static int compareBinaries(BsonBinary a, BsonBinary b) {
    int c = Integer.compare(a.getData().length, b.getData().length);
    if (c == 0) {
      c = Integer.compare(a.getType() & 0xff, b.getType() & 0xff);
    }
    return c != 0 ? c : java.util.Arrays.compareUnsigned(a.getData(), b.getData());
  }

  private static int compareNumbers(BsonValue a, BsonValue b) {
    BsonType ta = a.getBsonType();
    BsonType tb = b.getBsonType();
    boolean integralA = ta == BsonType.INT32 || ta == BsonType.INT64;
    boolean integralB = tb == BsonType.INT32 || tb == BsonType.INT64;
    if (integralA && integralB) {
      return Long.compare(a.asNumber().longValue(), b.asNumber().longValue());
    }
    int ka = numberClass(a);
    int kb = numberClass(b);
    if (ka != kb || ka != FINITE) {
      return Integer.compare(ka, kb);
    }
    if (ta == BsonType.DOUBLE && tb == BsonType.DOUBLE) {
      return Double.compare(a.asDouble().getValue() + 0.0, b.asDouble().getValue() + 0.0);
    }
    return exact(a).compareTo(exact(b));
  }

  private static final int NAN = 0;
  private static final int NEGATIVE_INFINITY = 1;
  private static final int FINITE = 2;
  private static final int POSITIVE_INFINITY = 3;

  private static int numberClass(BsonValue v) {
    switch (v.getBsonType()) {
      case DOUBLE: {
        double d = v.asDouble().getValue();
        return Double.isNaN(d) ? NAN : d == Double.NEGATIVE_INFINITY ? NEGATIVE_INFINITY
            : d == Double.POSITIVE_INFINITY ? POSITIVE_INFINITY : FINITE;
      }
      case DECIMAL128: {
        Decimal128 d = v.asDecimal128().getValue();
        return d.isNaN() ? NAN : d.isInfinite() ? (d.isNegative() ? NEGATIVE_INFINITY : POSITIVE_INFINITY) : FINITE;
      }
      default:
        return FINITE;
    }
  }

  /** The exact value of a finite number. */
  public static BigDecimal exact(BsonValue v) {
    switch (v.getBsonType()) {
      case INT32:
      case INT64:
        return BigDecimal.valueOf(v.asNumber().longValue());
      case DOUBLE:
        return new BigDecimal(v.asDouble().getValue());
      case DECIMAL128:
        return exact(v.asDecimal128().getValue());
      default:
        throw new IllegalArgumentException("not a number: " + v.getBsonType());
    }
  }

  static BigDecimal exact(Decimal128 d) {
    try {
      return d.bigDecimalValue();
    } catch (ArithmeticException negativeZero) {
      return BigDecimal.ZERO;
    }
  }
}
