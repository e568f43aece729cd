package io.sluice.statemachine.engine;

import io.sluice.protocol.BsonBytes;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.Limits;
import io.sluice.protocol.SluiceException;
import org.bson.BsonDocument;
import org.bson.RawBsonDocument;
import org.bson.BsonValue;

/** The size and shape rules a document must meet to be stored, MongoDB's. */
public final class DocumentLimits {
  private DocumentLimits() {}

  /** The size of the document encoded as BSON, in bytes. */
  public static int encodedSize(BsonDocument doc) {
    return BsonBytes.encode(doc).length;
  }

  /** Throws BSON_OBJECT_TOO_LARGE if the document is larger than {@link Limits#MAX_DOCUMENT_BYTES}. */
  public static void checkInsertSize(BsonDocument doc) {
    encodeForInsert(doc);
  }

  /**
   * The document encoded once, as the store will keep it, after checking its size like
   * {@link #checkInsertSize}: callers store the returned document, so it is not encoded twice.
   */
  public static RawBsonDocument encodeForInsert(BsonDocument doc) {
    RawBsonDocument encoded = BsonBytes.raw(doc);
    int size = encoded.getByteBuffer().remaining();
    if (size > Limits.MAX_DOCUMENT_BYTES) {
      throw new SluiceException(ErrorCode.BSON_OBJECT_TOO_LARGE, "object to insert too large: " + size
          + " bytes, the maximum document size is " + Limits.MAX_DOCUMENT_BYTES + " bytes" + idSuffix(doc));
    }
    return encoded;
  }

  /** Throws DOCUMENT_AFTER_UPDATE_TOO_LARGE if the updated document is larger than {@link Limits#MAX_DOCUMENT_BYTES}. */
  public static void checkUpdatedSize(BsonDocument doc) {
    encodeForUpdate(doc);
  }

  /** Like {@link #encodeForInsert}, with the error of a document grown too large by an update. */
  public static RawBsonDocument encodeForUpdate(BsonDocument doc) {
    RawBsonDocument encoded = BsonBytes.raw(doc);
    int size = encoded.getByteBuffer().remaining();
    if (size > Limits.MAX_DOCUMENT_BYTES) {
      throw new SluiceException(ErrorCode.DOCUMENT_AFTER_UPDATE_TOO_LARGE, "Resulting document after update is larger than "
          + Limits.MAX_DOCUMENT_BYTES + " bytes: " + size + " bytes" + idSuffix(doc));
    }
    return encoded;
  }

  /**
   * Throws BAD_VALUE if a top-level field name starts with {@code $}, or if {@code _id} is an array,
   * a regex or undefined.
   */
  public static void checkStorable(BsonDocument doc) {
    for (String name : doc.keySet()) {
      if (name.startsWith("$")) {
        throw new SluiceException(ErrorCode.BAD_VALUE, "Document can't have $ prefixed field names: " + name);
      }
    }
    BsonValue id = doc.get("_id");
    if (id != null && (id.isArray() || id.isRegularExpression() || id.getBsonType() == org.bson.BsonType.UNDEFINED)) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "can't use " + (id.isArray() ? "an array" : "a " + BsonValues.typeName(id))
          + " for _id: " + BsonValues.render(id));
    }
  }

  private static String idSuffix(BsonDocument doc) {
    return doc.containsKey("_id") ? " (document " + BsonValues.describeId(doc) + ")" : "";
  }
}
