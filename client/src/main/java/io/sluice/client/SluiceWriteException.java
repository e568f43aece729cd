package io.sluice.client;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import org.bson.BsonArray;
import org.bson.BsonDocument;

/**
 * A write that the cluster applied in part or not at all because a statement failed (a duplicate
 * {@code _id}, {@code $inc} on a string, ...). Carries the first error's code, every write error, and
 * the result of what was applied, with its log position.
 */
public class SluiceWriteException extends SluiceException {
  private static final long serialVersionUID = 1L;

  private final transient WriteResult result;
  private final transient BsonArray writeErrors;

  SluiceWriteException(BsonDocument firstError, BsonArray writeErrors, WriteResult result) {
    super(ErrorCode.of(firstError.getNumber("code").intValue()), firstError.getString("errmsg").getValue()
        + (writeErrors.size() > 1 ? " (and " + (writeErrors.size() - 1) + " more write errors)" : ""));
    this.result = result;
    this.writeErrors = writeErrors;
  }

  /** What the write did before or besides its failures, and its log position. */
  public WriteResult result() {
    return result;
  }

  /** MongoDB's {@code writeErrors}: {@code {index, code, codeName, errmsg}} for each failed statement. */
  public BsonArray writeErrors() {
    return writeErrors;
  }
}
