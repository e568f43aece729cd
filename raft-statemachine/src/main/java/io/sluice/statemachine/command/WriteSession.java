package io.sluice.statemachine.command;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import io.sluice.statemachine.storage.SessionTable.ClientCall;
import java.util.Optional;
import org.bson.BsonBinary;
import org.bson.BsonBinarySubType;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * The session fields of a retryable write, as MongoDB's drivers send them: {@code lsid: {id: <UUID>}}
 * and {@code txnNumber}. A client resends a write with the same pair when it cannot know whether the
 * first attempt was applied (a leader stepping down refused it, or the answer was lost); the session
 * table then finds the pair and the write is applied once.
 */
public final class WriteSession {
  public static final String LSID = "lsid";
  public static final String TXN_NUMBER = "txnNumber";

  private WriteSession() {}

  /**
   * The call a write command names with its session fields; empty if it has none.
   *
   * @throws SluiceException (BadValue or TypeMismatch) if they are malformed
   */
  public static Optional<ClientCall> callOf(BsonDocument command) {
    BsonValue lsid = command.get(LSID);
    BsonValue txnNumber = command.get(TXN_NUMBER);
    if (lsid == null && txnNumber == null) {
      return Optional.empty();
    }
    if (lsid == null || txnNumber == null) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "a retryable write needs both " + LSID + " and " + TXN_NUMBER + "; got only "
          + (lsid == null ? TXN_NUMBER : LSID));
    }
    BsonValue id = lsid.isDocument() ? lsid.asDocument().get("id") : null;
    if (id == null || !id.isBinary() || id.asBinary().getType() != BsonBinarySubType.UUID_STANDARD.getValue()
        || id.asBinary().getData().length != 16) {
      throw new SluiceException(ErrorCode.BAD_VALUE, LSID + " must be {id: <UUID>} (binary subtype 4, 16 bytes), got " + lsid);
    }
    if (!txnNumber.isInt64() && !txnNumber.isInt32()) {
      throw new SluiceException(ErrorCode.TYPE_MISMATCH, TXN_NUMBER + " must be a 64-bit integer, got " + txnNumber.getBsonType());
    }
    long number = txnNumber.isInt64() ? txnNumber.asInt64().getValue() : txnNumber.asInt32().getValue();
    if (number < 0) {
      throw new SluiceException(ErrorCode.BAD_VALUE, TXN_NUMBER + " must not be negative, got " + number);
    }
    return Optional.of(new ClientCall(((BsonBinary) id).getData(), number));
  }
}
