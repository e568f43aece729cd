package io.sluice.protocol;

/**
 * The one exception of Sluice, on the server and in the client: an {@link ErrorCode} and a message
 * that names the offending value and, where it helps, what to do about it.
 */
public class SluiceException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode errorCode;

  public SluiceException(ErrorCode errorCode, String message) {
    super(message);
    this.errorCode = errorCode;
  }

  public SluiceException(ErrorCode errorCode, String message, Throwable cause) {
    super(message, cause);
    this.errorCode = errorCode;
  }

  public ErrorCode errorCode() {
    return errorCode;
  }

  /** MongoDB's numeric code, e.g. 11000 for a duplicate key. */
  public int code() {
    return errorCode.code();
  }

  /** True if sending the same request again may succeed. */
  public boolean isRetryable() {
    return errorCode.isRetryable();
  }

  @Override
  public String getMessage() {
    return errorCode.codeName() + " (" + errorCode.code() + "): " + super.getMessage();
  }

  /** The message without the code prefix. */
  public String reason() {
    return super.getMessage();
  }
}
