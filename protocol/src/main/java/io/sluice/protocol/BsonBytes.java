package io.sluice.protocol;

import java.nio.ByteBuffer;
import org.bson.BsonBinaryReader;
import org.bson.BsonBinaryWriter;
import org.bson.BsonDocument;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.codecs.DecoderContext;
import org.bson.codecs.EncoderContext;
import org.bson.io.BasicOutputBuffer;

/** BSON documents to bytes and back: the one encoding of commands, replies, log entries and stored documents. */
public final class BsonBytes {
  private static final BsonDocumentCodec CODEC = new BsonDocumentCodec();
  private static final EncoderContext ENCODE = EncoderContext.builder().build();
  private static final DecoderContext DECODE = DecoderContext.builder().build();
  /** Encodings up to this size reuse their thread's encoder; a larger one's is let go after it. */
  private static final int KEPT_BUFFER_BYTES = 64 * 1024;
  // Encoding never calls back into this class, so one encoder per thread is enough.
  private static final ThreadLocal<Encoder> ENCODER = ThreadLocal.withInitial(Encoder::new);

  /**
   * A buffer and a writer kept for the next encoding. A buffer grows by doubling from its first size: a
   * new one per encoding was a tenth of what a write allocated on the apply thread. A writer that has
   * written a whole document starts the next one where the buffer is (BSON writers write documents one
   * after another); a new one per encoding was another 6%.
   */
  private static final class Encoder {
    final BasicOutputBuffer buffer = new BasicOutputBuffer(1024);
    final BsonBinaryWriter writer = new BsonBinaryWriter(buffer);
  }

  private BsonBytes() {}

  public static byte[] encode(BsonDocument document) {
    if (document instanceof RawBsonDocument raw) {
      // Already encoded: copy its bytes instead of encoding it again.
      ByteBuffer bytes = raw.getByteBuffer().asNIO();
      byte[] copy = new byte[bytes.remaining()];
      bytes.get(copy);
      return copy;
    }
    Encoder encoder = ENCODER.get();
    encoder.buffer.truncateToPosition(0);
    boolean written = false;
    try {
      CODEC.encode(encoder.writer, document, ENCODE);
      written = true;
      return encoder.buffer.toByteArray();
    } finally {
      // A writer that failed part way is mid-document: it cannot start another.
      if (!written || encoder.buffer.getSize() > KEPT_BUFFER_BYTES) {
        ENCODER.set(new Encoder());
      }
    }
  }

  /** Decodes one document; malformed input throws {@link org.bson.BSONException} or a runtime exception of the reader. */
  public static BsonDocument decode(ByteBuffer bytes) {
    try (BsonBinaryReader reader = new BsonBinaryReader(bytes)) {
      return CODEC.decode(reader, DECODE);
    }
  }

  /** The document in its encoded form, which later encodings copy rather than redo. */
  public static RawBsonDocument raw(BsonDocument document) {
    return document instanceof RawBsonDocument raw ? raw : new RawBsonDocument(encode(document));
  }

  public static BsonDocument decode(byte[] bytes) {
    return decode(ByteBuffer.wrap(bytes));
  }
}
