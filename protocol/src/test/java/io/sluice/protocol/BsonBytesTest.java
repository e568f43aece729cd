package io.sluice.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.bson.BsonBinaryWriter;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.codecs.EncoderContext;
import org.bson.io.BasicOutputBuffer;
import org.junit.jupiter.api.Test;

class BsonBytesTest {

  @Test
  void encodingsOneAfterAnotherEachGiveTheirOwnDocument() {
    BsonDocument large = new BsonDocument("text", new BsonString("x".repeat(100_000)));
    BsonDocument medium = new BsonDocument("text", new BsonString("y".repeat(3_000))).append("n", new BsonInt32(7));
    BsonDocument small = new BsonDocument("n", new BsonInt32(1));
    BsonDocument nested = BsonDocument.parse("{a: {b: [1, {c: 2}, []], d: {}}, e: 'f'}");

    for (BsonDocument document : new BsonDocument[] {medium, nested, small, large, nested, small, medium}) {
      byte[] bytes = BsonBytes.encode(document);
      assertThat(BsonBytes.decode(bytes)).isEqualTo(document);
      assertThat(bytes).isEqualTo(encodedAlone(document));
    }
  }

  private static byte[] encodedAlone(BsonDocument document) {
    BasicOutputBuffer buffer = new BasicOutputBuffer();
    try (BsonBinaryWriter writer = new BsonBinaryWriter(buffer)) {
      new BsonDocumentCodec().encode(writer, document, EncoderContext.builder().build());
    }
    return buffer.toByteArray();
  }

  @Test
  void aFailedEncodingLeavesNothingBehindForTheNext() {
    BsonDocument unencodable = new BsonDocument("bad\0name", new BsonInt32(1));
    assertThatThrownBy(() -> BsonBytes.encode(unencodable)).isInstanceOf(RuntimeException.class);

    BsonDocument next = new BsonDocument("n", new BsonInt32(2));
    assertThat(BsonBytes.decode(BsonBytes.encode(next))).isEqualTo(next);
  }

  @Test
  void anEncodedDocumentIsCopiedNotEncodedAgain() {
    BsonDocument document = new BsonDocument("a", new BsonString("b"));
    RawBsonDocument raw = BsonBytes.raw(document);
    byte[] copy = BsonBytes.encode(raw);
    copy[4] = 0; // the copy is the caller's own
    BsonValue stillThere = raw.get("a");
    assertThat(stillThere).isEqualTo(new BsonString("b"));
  }
}
