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
  /** Encodings up to this size reuse their thread's buffer; a larger one's buffer is let go after it. */
  private static final int KEPT_BUFFER_BYTES = 64 * 1024;
  // A buffer grows by doubling from its first size: a new one per encoding was a tenth of what a write
  // allocated on the apply thread. Encoding never calls back into this class, so one per thread is enough.
  private static final ThreadLocal<BasicOutputBuffer> BUFFER = ThreadLocal.withInitial(() -> new BasicOutputBuffer(1024));

  private BsonBytes() {}

  public static byte[] encode(BsonDocument document) {
    if (document instanceof RawBsonDocument raw) {
      // Already encoded: copy its bytes instead of encoding it again.
      ByteBuffer bytes = raw.getByteBuffer().asNIO();
      byte[] copy = new byte[bytes.remaining()];
      bytes.get(copy);
      return copy;
    }
    BasicOutputBuffer buffer = BUFFER.get();
    buffer.truncateToPosition(0);
    try (BsonBinaryWriter writer = new BsonBinaryWriter(buffer)) {
      CODEC.encode(writer, document, ENCODE);
      return buffer.toByteArray();
    } finally {
      if (buffer.getSize() > KEPT_BUFFER_BYTES) {
        BUFFER.set(new BasicOutputBuffer(1024));
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
