package io.sluice.statemachine.engine;

import java.util.Iterator;
import java.util.Map;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonJavaScriptWithScope;
import org.bson.BsonValue;

/** Small helpers on BSON values shared by the engine: exact identity, deep copies, names and rendering. */
final class BsonValues {
  private BsonValues() {}

  private static final int RENDER_LIMIT = 160;

  /**
   * True if the two values would encode to the same bytes: same types, same field order, same double
   * bits. Stricter than {@link BsonOrder#equal}, which finds 1 and 1.0 equal.
   */
  static boolean identical(BsonValue a, BsonValue b) {
    if (a.getBsonType() != b.getBsonType()) {
      return false;
    }
    switch (a.getBsonType()) {
      case DOCUMENT: {
        BsonDocument x = a.asDocument();
        BsonDocument y = b.asDocument();
        if (x.size() != y.size()) {
          return false;
        }
        Iterator<Map.Entry<String, BsonValue>> ix = x.entrySet().iterator();
        Iterator<Map.Entry<String, BsonValue>> iy = y.entrySet().iterator();
        while (ix.hasNext()) {
          Map.Entry<String, BsonValue> ex = ix.next();
          Map.Entry<String, BsonValue> ey = iy.next();
          if (!ex.getKey().equals(ey.getKey()) || !identical(ex.getValue(), ey.getValue())) {
            return false;
          }
        }
        return true;
      }
      case ARRAY: {
        BsonArray x = a.asArray();
        BsonArray y = b.asArray();
        if (x.size() != y.size()) {
          return false;
        }
        for (int i = 0; i < x.size(); i++) {
          if (!identical(x.get(i), y.get(i))) {
            return false;
          }
        }
        return true;
      }
      case DOUBLE:
        return Double.doubleToRawLongBits(a.asDouble().getValue()) == Double.doubleToRawLongBits(b.asDouble().getValue());
      case JAVASCRIPT_WITH_SCOPE: {
        BsonJavaScriptWithScope x = a.asJavaScriptWithScope();
        BsonJavaScriptWithScope y = b.asJavaScriptWithScope();
        return x.getCode().equals(y.getCode()) && identical(x.getScope(), y.getScope());
      }
      default:
        return a.equals(b);
    }
  }

  /** A deep, mutable copy: documents and arrays are rebuilt (also read-only raw ones); other values are immutable. */
  static BsonValue copy(BsonValue v) {
    if (v.isDocument()) {
      return copy(v.asDocument());
    }
    if (v.isArray()) {
      BsonArray copy = new BsonArray();
      for (BsonValue element : v.asArray()) {
        copy.add(copy(element));
      }
      return copy;
    }
    return v;
  }

  static BsonDocument copy(BsonDocument doc) {
    BsonDocument copy = new BsonDocument();
    for (Map.Entry<String, BsonValue> e : doc.entrySet()) {
      copy.put(e.getKey(), copy(e.getValue()));
    }
    return copy;
  }

  static boolean isNumber(BsonValue v) {
    return switch (v.getBsonType()) {
      case INT32, INT64, DOUBLE, DECIMAL128 -> true;
      default -> false;
    };
  }

  /** MongoDB's alias of the value's type, as {@code $type} and error messages use it. */
  static String typeName(BsonValue v) {
    return switch (v.getBsonType()) {
      case DOUBLE -> "double";
      case STRING -> "string";
      case DOCUMENT -> "object";
      case ARRAY -> "array";
      case BINARY -> "binData";
      case UNDEFINED -> "undefined";
      case OBJECT_ID -> "objectId";
      case BOOLEAN -> "bool";
      case DATE_TIME -> "date";
      case NULL -> "null";
      case REGULAR_EXPRESSION -> "regex";
      case DB_POINTER -> "dbPointer";
      case JAVASCRIPT -> "javascript";
      case SYMBOL -> "symbol";
      case JAVASCRIPT_WITH_SCOPE -> "javascriptWithScope";
      case INT32 -> "int";
      case TIMESTAMP -> "timestamp";
      case INT64 -> "long";
      case DECIMAL128 -> "decimal";
      case MIN_KEY -> "minKey";
      case MAX_KEY -> "maxKey";
      default -> v.getBsonType().name().toLowerCase(java.util.Locale.ROOT);
    };
  }

  /** The value as a long, if it is a number with an integral value that fits in 64 bits (2.0 does, 2.5 does not); else null. */
  static Long exactLong(BsonValue v) {
    if (v == null || !isNumber(v)) {
      return null;
    }
    if (v.isInt32() || v.isInt64()) {
      return v.asNumber().longValue();
    }
    if (BsonOrder.isNaN(v) || (v.isDouble() && Double.isInfinite(v.asDouble().getValue()))
        || (v.isDecimal128() && v.asDecimal128().getValue().isInfinite())) {
      return null;
    }
    try {
      return BsonOrder.exact(v).longValueExact();
    } catch (ArithmeticException notIntegralOrTooLarge) {
      return null;
    }
  }

  /** A short, shell-like rendering for error messages, e.g. {@code {a: [1, "x"]}}; long values are cut. */
  static String render(BsonValue v) {
    StringBuilder out = new StringBuilder();
    append(out, v);
    return out.length() <= RENDER_LIMIT ? out.toString() : out.substring(0, RENDER_LIMIT) + "...";
  }

  /** {@code {_id: <value>}} of the document, for messages that name a document. */
  static String describeId(BsonDocument doc) {
    BsonValue id = doc.get("_id");
    return id == null ? "{}" : "{_id: " + render(id) + "}";
  }

  private static void append(StringBuilder out, BsonValue v) {
    if (out.length() > RENDER_LIMIT) {
      return;
    }
    switch (v.getBsonType()) {
      case DOCUMENT -> appendDocument(out, v.asDocument());
      case ARRAY -> appendArray(out, v.asArray());
      case STRING -> out.append('"').append(v.asString().getValue()).append('"');
      case INT32 -> out.append(v.asInt32().getValue());
      case INT64 -> out.append(v.asInt64().getValue());
      case DOUBLE -> out.append(v.asDouble().getValue());
      case DECIMAL128 -> out.append("NumberDecimal(\"").append(v.asDecimal128().getValue()).append("\")");
      case OBJECT_ID -> out.append("ObjectId('").append(v.asObjectId().getValue().toHexString()).append("')");
      case BOOLEAN -> out.append(v.asBoolean().getValue());
      case NULL -> out.append("null");
      case DATE_TIME -> out.append("new Date(").append(v.asDateTime().getValue()).append(')');
      case REGULAR_EXPRESSION -> out.append('/').append(v.asRegularExpression().getPattern()).append('/')
          .append(v.asRegularExpression().getOptions());
      case TIMESTAMP -> out.append("Timestamp(").append(v.asTimestamp().getTime()).append(", ")
          .append(v.asTimestamp().getInc()).append(')');
      case MIN_KEY -> out.append("MinKey");
      case MAX_KEY -> out.append("MaxKey");
      default -> out.append(typeName(v));
    }
  }

  private static void appendDocument(StringBuilder out, BsonDocument doc) {
    out.append('{');
    String separator = "";
    for (Map.Entry<String, BsonValue> e : doc.entrySet()) {
      out.append(separator).append(e.getKey()).append(": ");
      append(out, e.getValue());
      separator = ", ";
      if (out.length() > RENDER_LIMIT) {
        return;
      }
    }
    out.append('}');
  }

  private static void appendArray(StringBuilder out, BsonArray array) {
    out.append('[');
    String separator = "";
    for (BsonValue element : array) {
      out.append(separator);
      append(out, element);
      separator = ", ";
      if (out.length() > RENDER_LIMIT) {
        return;
      }
    }
    out.append(']');
  }
}
