package io.sluice.node.admin;

/**
 * An admin operation that was refused or failed. {@link #isBadInput()} tells the caller's input was
 * wrong (not host:port, not a member, the last voter), as opposed to a cluster that could not do it.
 */
public final class AdminException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final boolean badInput;

  private AdminException(String message, boolean badInput, Throwable cause) {
    super(message, cause);
    this.badInput = badInput;
  }

  static AdminException badInput(String message) {
    return new AdminException(message, true, null);
  }

  static AdminException failed(String message, Throwable cause) {
    return new AdminException(message, false, cause);
  }

  public boolean isBadInput() {
    return badInput;
  }
}
