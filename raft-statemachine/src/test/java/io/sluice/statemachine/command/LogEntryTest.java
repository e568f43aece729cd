package io.sluice.statemachine.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.bson.BsonDocument;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LogEntryTest {
  private static final BsonDocument COMMAND = BsonDocument.parse("{insert: 'c', documents: [{_id: 1, s: 'é'}], '$db': 'db'}");

  private static void assertInvalidBson(ThrowingCallable code) {
    SluiceException e = catchThrowableOfType(SluiceException.class, code);
    assertThat(e).as("expected INVALID_BSON").isNotNull();
    assertThat(e.errorCode()).as(e.getMessage()).isEqualTo(ErrorCode.INVALID_BSON);
  }

  @Test
  void encodeThenDecodeGivesTheSameEntry() {
    LogEntry entry = new LogEntry(1_700_000_000_123L, LogEntry.toBytes(COMMAND));
    LogEntry decoded = LogEntry.decode(ByteBuffer.wrap(entry.encode()));
    assertThat(decoded.wallTimeMillis()).isEqualTo(1_700_000_000_123L);
    assertThat(decoded.commandBytes()).isEqualTo(entry.commandBytes());
    assertThat(decoded.command()).isEqualTo(COMMAND);
  }

  @Test
  void layoutIsVersionByteThenBigEndianWallTimeThenCommand() {
    byte[] command = LogEntry.toBytes(COMMAND);
    byte[] encoded = new LogEntry(0x0102030405060708L, command).encode();
    assertThat(encoded).hasSize(9 + command.length);
    assertThat(encoded[0]).isEqualTo((byte) 1);
    assertThat(Arrays.copyOfRange(encoded, 1, 9)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
    assertThat(Arrays.copyOfRange(encoded, 9, encoded.length)).isEqualTo(command);
  }

  @Test
  void decodeReadsFromTheBufferPositionAndLeavesItUnmoved() {
    byte[] encoded = new LogEntry(42, LogEntry.toBytes(COMMAND)).encode();
    ByteBuffer buffer = ByteBuffer.allocate(encoded.length + 3);
    buffer.put(new byte[] {7, 7, 7}).put(encoded).position(3);
    LogEntry decoded = LogEntry.decode(buffer);
    assertThat(decoded.wallTimeMillis()).isEqualTo(42);
    assertThat(decoded.command()).isEqualTo(COMMAND);
    assertThat(buffer.position()).isEqualTo(3);
  }

  @Test
  void negativeWallTimeAndEmptyCommandRoundTrip() {
    LogEntry decoded = LogEntry.decode(ByteBuffer.wrap(new LogEntry(-5, new byte[0]).encode()));
    assertThat(decoded.wallTimeMillis()).isEqualTo(-5);
    assertThat(decoded.commandBytes()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 2, 0x7f, -1})
  void wrongVersionByteIsInvalidBson(int version) {
    byte[] encoded = new LogEntry(1, LogEntry.toBytes(COMMAND)).encode();
    encoded[0] = (byte) version;
    assertInvalidBson(() -> LogEntry.decode(ByteBuffer.wrap(encoded)));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 8})
  void headerShorterThanNineBytesIsInvalidBson(int length) {
    byte[] data = new byte[length];
    if (length > 0) {
      data[0] = 1;
    }
    assertInvalidBson(() -> LogEntry.decode(ByteBuffer.wrap(data)));
  }

  @Test
  void malformedCommandBytesSurviveDecodeButFailAsInvalidBson() {
    byte[] garbage = {1, 2, 3};
    LogEntry decoded = LogEntry.decode(ByteBuffer.wrap(new LogEntry(9, garbage).encode()));
    assertThat(decoded.commandBytes()).isEqualTo(garbage);
    assertInvalidBson(decoded::command);
  }

  private static byte[] withLength(int... values) {
    byte[] bytes = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      bytes[i] = (byte) values[i];
    }
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(0, bytes.length);
    return bytes;
  }

  @Test
  void badBsonBytesAreInvalidBson() {
    byte[] valid = LogEntry.toBytes(COMMAND);
    byte[] truncated = Arrays.copyOf(valid, valid.length - 3);
    byte[] longer = Arrays.copyOf(valid, valid.length + 2);
    byte[] noTerminator = valid.clone();
    noTerminator[noTerminator.length - 1] = 5;
    assertInvalidBson(() -> LogEntry.parseCommand(new byte[0]));
    assertInvalidBson(() -> LogEntry.parseCommand(new byte[] {5, 0, 0, 0}));
    assertInvalidBson(() -> LogEntry.parseCommand(truncated));
    assertInvalidBson(() -> LogEntry.parseCommand(longer));
    assertInvalidBson(() -> LogEntry.parseCommand(noTerminator));
    // correct length prefix, unknown element type 0x7e
    assertInvalidBson(() -> LogEntry.parseCommand(withLength(0, 0, 0, 0, 0x7e, 'a', 0, 0)));
    // string element whose declared length runs past the document
    assertInvalidBson(() -> LogEntry.parseCommand(withLength(0, 0, 0, 0, 2, 'a', 0, 100, 0, 0, 0, 'x', 0, 0)));
  }

  @Test
  void toBytesThenParseIsIdentity() {
    assertThat(LogEntry.parseCommand(LogEntry.toBytes(COMMAND))).isEqualTo(COMMAND);
  }

  @Property(tries = 500, seed = "20240601")
  void parseCommandOfArbitraryBytesEitherParsesOrIsInvalidBson(@ForAll @Size(min = 5, max = 40) byte[] bytes) {
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(0, bytes.length);
    try {
      LogEntry.parseCommand(bytes);
    } catch (SluiceException e) {
      assertThat(e.errorCode()).isEqualTo(ErrorCode.INVALID_BSON);
    }
  }
}
