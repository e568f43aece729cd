package io.sluice.statemachine.storage;

import java.math.BigDecimal;
import java.util.Map;
import org.bson.BsonArray;
import org.bson.BsonBinaryWriter;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt64;
import org.bson.BsonValue;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.codecs.EncoderContext;
import org.bson.io.BasicOutputBuffer;

/**
 * Turns an {@code _id} value into the storage key of its document. Values that MongoDB considers
 * equal get the same key: numbers of different types with the same value (1, 1L, 1.0), also inside
 * documents and arrays. Keys are plain BSON bytes of the canonical value, so they are deterministic
 * on every node.
 */
final class DocumentKeys {
  private DocumentKeys() {}

  private static final BsonDocumentCodec CODEC = new BsonDocumentCodec();

  static byte[] key(BsonValue id) {
    BasicOutputBuffer buffer = new BasicOutputBuffer(64);
    try (BsonBinaryWriter writer = new BsonBinaryWriter(buffer)) {
      CODEC.encode(writer, new BsonDocument("", canonical(id)), EncoderContext.builder().build());
    }
    return buffer.toByteArray();
  }

  static BsonValue canonical(BsonValue value) {
    switch (value.getBsonType()) {
      case INT32:
      case INT64:
        return new BsonInt64(value.asNumber().longValue());
      case DOUBLE:
        return canonicalNumber(new BigDecimal(Double.toString(value.asDouble().getValue())), value.asDouble().getValue());
      case DECIMAL128: {
        var decimal = value.asDecimal128().getValue();
        if (decimal.isNaN() || decimal.isInfinite()) {
          return new BsonDouble(decimal.doubleValue());
        }
        return canonicalNumber(decimal.bigDecimalValue(), decimal.doubleValue());
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

  private static BsonValue canonicalNumber(BigDecimal exact, double approx) {
    if (Double.isNaN(approx) || Double.isInfinite(approx)) {
      return new BsonDouble(approx);
    }
    try {
      return new BsonInt64(exact.longValueExact());
    } catch (ArithmeticException notIntegral) {
      return new BsonDouble(approx == 0 ? 0.0 : approx);
    }
  }
}
