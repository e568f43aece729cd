package io.sluice.statemachine.command;

import io.sluice.protocol.BsonBytes;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.bson.BsonDocument;

/**
 * The state machine's part of a Raft log entry: the leader's wall time when it accepted the write,
 * then the command's BSON. Layout: one version byte, the wall time as a big-endian long, the BSON.
 * The command bytes are kept as the client sent them, even if they are not valid BSON, so that
 * apply answers every entry with the same error on every node.
 */
public record LogEntry(long wallTimeMillis, byte[] commandBytes) {
  private static final byte VERSION = 1;
  private static final int HEADER_BYTES = 1 + Long.BYTES;

  public byte[] encode() {
    return ByteBuffer.allocate(HEADER_BYTES + commandBytes.length).order(ByteOrder.BIG_ENDIAN)
        .put(VERSION).putLong(wallTimeMillis).put(commandBytes).array();
  }

  public static LogEntry decode(ByteBuffer data) {
    if (data.remaining() < HEADER_BYTES || data.get(data.position()) != VERSION) {
      throw new SluiceException(ErrorCode.INVALID_BSON, "log entry of " + data.remaining() + " bytes has no valid Sluice header");
    }
    ByteBuffer buffer = data.duplicate().order(ByteOrder.BIG_ENDIAN);
    buffer.get();
    long wallTime = buffer.getLong();
    byte[] command = new byte[buffer.remaining()];
    buffer.get(command);
    return new LogEntry(wallTime, command);
  }

  /** The command document; malformed BSON fails with {@link ErrorCode#INVALID_BSON}. */
  public BsonDocument command() {
    return parseCommand(commandBytes);
  }

  public static BsonDocument parseCommand(byte[] bytes) {
    if (bytes.length < 5 || ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(0) != bytes.length) {
      throw new SluiceException(ErrorCode.INVALID_BSON, "command is not a BSON document: its length prefix does not match its "
          + bytes.length + " bytes");
    }
    try {
      return BsonBytes.decode(bytes);
    } catch (org.bson.BSONException | IllegalStateException | IllegalArgumentException e) {
      throw new SluiceException(ErrorCode.INVALID_BSON, "command is not valid BSON: " + e.getMessage());
    }
  }

  public static byte[] toBytes(BsonDocument document) {
    return BsonBytes.encode(document);
  }
}
