package io.sluice.client;

import com.mongodb.MongoClientSettings;
import org.bson.BsonDocument;
import org.bson.BsonDocumentReader;
import org.bson.Document;
import org.bson.codecs.DecoderContext;
import org.bson.codecs.configuration.CodecRegistry;
import org.bson.conversions.Bson;

/** Conversions between users' {@link Bson} values and the {@link BsonDocument}s on the wire. */
final class Documents {
  private Documents() {}

  /** MongoDB's default registry: the one {@code Filters}, {@code Updates} and {@code Document} expect. */
  static final CodecRegistry REGISTRY = MongoClientSettings.getDefaultCodecRegistry();

  static BsonDocument toBson(Bson bson) {
    if (bson == null) {
      return new BsonDocument();
    }
    return bson.toBsonDocument(BsonDocument.class, REGISTRY);
  }

  /** An update document, checked as the driver checks it: not empty, and only update operators at the top. */
  static BsonDocument toUpdate(Bson update) {
    BsonDocument doc = toBson(update);
    if (doc.isEmpty()) {
      throw new IllegalArgumentException("Invalid BSON document for an update. The document may not be empty.");
    }
    for (String key : doc.keySet()) {
      if (!key.startsWith("$")) {
        throw new IllegalArgumentException("Invalid BSON field name " + key + ": an update takes only update operators ($set, "
            + "$inc, ...); to replace the document, use replaceOne or findOneAndReplace");
      }
    }
    return doc;
  }

  /** A replacement document, checked as the driver checks it: no update operators at the top. */
  static BsonDocument toReplacement(Bson replacement) {
    BsonDocument doc = toBson(replacement);
    for (String key : doc.keySet()) {
      if (key.startsWith("$")) {
        throw new IllegalArgumentException("Invalid BSON field name " + key + ": a replacement document takes no update operators; "
            + "to update the document, use updateOne or findOneAndUpdate");
      }
    }
    return doc;
  }

  static Document toDocument(BsonDocument bson) {
    return REGISTRY.get(Document.class).decode(new BsonDocumentReader(bson), DecoderContext.builder().build());
  }
}
