package io.sluice.statemachine.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import java.util.UUID;
import org.bson.BsonBinary;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.UuidRepresentation;
import org.junit.jupiter.api.Test;

class WriteSessionTest {
  private final UUID uuid = UUID.randomUUID();
  private final BsonDocument lsid = new BsonDocument("id", new BsonBinary(uuid, UuidRepresentation.STANDARD));

  private static BsonDocument insert() {
    return new BsonDocument("insert", new BsonString("c"));
  }

  @Test
  void aWriteWithoutSessionFieldsNamesNoCall() {
    assertThat(WriteSession.callOf(insert())).isEmpty();
  }

  @Test
  void theSessionAndTxnNumberNameTheCall() {
    var call = WriteSession.callOf(insert().append("lsid", lsid).append("txnNumber", new BsonInt64(7))).orElseThrow();
    assertThat(call.callId()).isEqualTo(7);
    assertThat(call.clientId()).isEqualTo(new BsonBinary(uuid, UuidRepresentation.STANDARD).getData());
    assertThat(WriteSession.callOf(insert().append("lsid", lsid).append("txnNumber", new BsonInt32(7))).orElseThrow().callId())
        .as("an int32 txnNumber too").isEqualTo(7);
  }

  @Test
  void malformedSessionFieldsAreRefusedWithWhatIsWrong() {
    assertRefused(insert().append("txnNumber", new BsonInt64(1)), ErrorCode.BAD_VALUE, "needs both lsid and txnNumber; got only txnNumber");
    assertRefused(insert().append("lsid", lsid), ErrorCode.BAD_VALUE, "got only lsid");
    assertRefused(insert().append("lsid", new BsonDocument("id", new BsonBinary(new byte[16]))).append("txnNumber", new BsonInt64(1)),
        ErrorCode.BAD_VALUE, "lsid must be {id: <UUID>}");
    assertRefused(insert().append("lsid", new BsonString("x")).append("txnNumber", new BsonInt64(1)), ErrorCode.BAD_VALUE, "lsid must be");
    assertRefused(insert().append("lsid", lsid).append("txnNumber", new BsonString("1")), ErrorCode.TYPE_MISMATCH,
        "txnNumber must be a 64-bit integer, got STRING");
    assertRefused(insert().append("lsid", lsid).append("txnNumber", new BsonInt64(-2)), ErrorCode.BAD_VALUE, "must not be negative, got -2");
  }

  private static void assertRefused(BsonDocument command, ErrorCode code, String message) {
    assertThatThrownBy(() -> WriteSession.callOf(command)).isInstanceOfSatisfying(SluiceException.class, e -> {
      assertThat(e.errorCode()).isEqualTo(code);
      assertThat(e).hasMessageContaining(message);
    });
  }
}
