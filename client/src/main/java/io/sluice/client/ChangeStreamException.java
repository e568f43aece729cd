package io.sluice.client;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;

/**
 * A change stream failed in a way that resuming cannot fix: its history is gone
 * ({@code ChangeStreamHistoryLost}, 286), its token belongs to another history ({@code InvalidResumeToken},
 * 260), its pipeline changed an event's {@code _id} ({@code ChangeStreamFatalError}, 280), a required
 * image is missing, or the stream's options are invalid. Resumable failures never reach the user.
 */
public class ChangeStreamException extends SluiceException {
  private static final long serialVersionUID = 1L;

  ChangeStreamException(SluiceException cause) {
    super(cause.errorCode(), cause.reason(), cause);
  }

  ChangeStreamException(ErrorCode code, String message, Throwable cause) {
    super(code, message, cause);
  }
}
