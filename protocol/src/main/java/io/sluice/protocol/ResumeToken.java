package io.sluice.protocol;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.BsonValue;

/**
 * A position in a change stream, in MongoDB's form {@code {_data: "<hex>"}} so that tools pass it
 * through untouched. The hex encodes, in this order, a version byte, the log index, the event's
 * ordinal within its entry, a kind byte and the entry's term; so the hex strings of one history
 * sort in stream order. The term lets a node recognise a token from another history.
 *
 * <ul>
 *   <li>{@link Kind#EVENT}: the event at {@code (index, ordinal)}.</li>
 *   <li>{@link Kind#HIGH_WATER_MARK}: everything up to and including entry {@code index} was seen
 *       (a {@code postBatchResumeToken}); its ordinal sorts after every event of the entry.</li>
 *   <li>{@link Kind#INVALIDATE}: the invalidate event a stream got after the event at
 *       {@code (index, ordinal)} ended it; {@code startAfter} accepts it, {@code resumeAfter} does not.</li>
 * </ul>
 */
public record ResumeToken(long term, long index, int ordinal, Kind kind) implements Comparable<ResumeToken> {
  private static final byte VERSION = 1;
  private static final int BYTES = 1 + 8 + 4 + 1 + 8;
  private static final HexFormat HEX = HexFormat.of().withUpperCase();
  /** The ordinal of a high-water mark: after every event of its entry. */
  public static final int AFTER_ALL_EVENTS = -1;

  public enum Kind {
    EVENT(0), HIGH_WATER_MARK(1), INVALIDATE(2);

    private final byte code;

    Kind(int code) {
      this.code = (byte) code;
    }

    static Kind of(byte code) {
      for (Kind kind : values()) {
        if (kind.code == code) {
          return kind;
        }
      }
      return null;
    }
  }

  public ResumeToken {
    if (term < 0 || index < 0) {
      throw new IllegalArgumentException("a resume token needs a non-negative term and index, got " + term + ":" + index);
    }
  }

  public static ResumeToken event(long term, long index, int ordinal) {
    return new ResumeToken(term, index, ordinal, Kind.EVENT);
  }

  public static ResumeToken highWaterMark(long term, long index) {
    return new ResumeToken(term, index, AFTER_ALL_EVENTS, Kind.HIGH_WATER_MARK);
  }

  public static ResumeToken invalidate(long term, long index, int ordinal) {
    return new ResumeToken(term, index, ordinal, Kind.INVALIDATE);
  }

  public String toHex() {
    ByteBuffer buffer = ByteBuffer.allocate(BYTES).put(VERSION).putLong(index).putInt(ordinal).put(kind.code).putLong(term);
    return HEX.formatHex(buffer.array());
  }

  /** The token as users see it: {@code {_data: "<hex>"}}. */
  public BsonDocument toBson() {
    return new BsonDocument("_data", new BsonString(toHex()));
  }

  /** Reads a token in its {@code {_data: "<hex>"}} form; anything else fails with InvalidResumeToken (260). */
  public static ResumeToken fromBson(BsonValue value) {
    if (value == null || !value.isDocument() || !value.asDocument().isString("_data") || value.asDocument().size() != 1) {
      throw invalid("a resume token is a document {_data: \"<hex>\"}, got " + (value == null ? "nothing" : value.toString()));
    }
    return parse(value.asDocument().getString("_data").getValue());
  }

  public static ResumeToken parse(String hex) {
    byte[] bytes;
    try {
      bytes = HEX.parseHex(hex);
    } catch (IllegalArgumentException e) {
      throw invalid("resume token '" + hex + "' is not hexadecimal");
    }
    if (bytes.length != BYTES || bytes[0] != VERSION) {
      throw invalid("resume token '" + hex + "' is not a Sluice token of version " + VERSION);
    }
    ByteBuffer buffer = ByteBuffer.wrap(bytes, 1, BYTES - 1);
    long index = buffer.getLong();
    int ordinal = buffer.getInt();
    Kind kind = Kind.of(buffer.get());
    long term = buffer.getLong();
    if (kind == null || index < 0 || term < 0) {
      throw invalid("resume token '" + hex + "' is damaged");
    }
    return new ResumeToken(term, index, ordinal, kind);
  }

  /** Stream order: by index, then ordinal (unsigned: a high-water mark is last), then kind. */
  @Override
  public int compareTo(ResumeToken other) {
    int c = Long.compare(index, other.index);
    if (c == 0) {
      c = Integer.compareUnsigned(ordinal, other.ordinal);
    }
    return c != 0 ? c : Integer.compare(kind.code, other.kind.code);
  }

  private static SluiceException invalid(String message) {
    return new SluiceException(ErrorCode.INVALID_RESUME_TOKEN, message);
  }

  @Override
  public String toString() {
    return toHex();
  }
}
