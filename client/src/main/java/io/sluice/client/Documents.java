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

  static Document toDocument(BsonDocument bson) {
    return REGISTRY.get(Document.class).decode(new BsonDocumentReader(bson), DecoderContext.builder().build());
  }
}
