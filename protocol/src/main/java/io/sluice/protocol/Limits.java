package io.sluice.protocol;

/** Size limits shared by client and server, MongoDB's where MongoDB has one. */
public final class Limits {
  private Limits() {}

  /** The largest document that can be stored, as in MongoDB: 16 MiB. */
  public static final int MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

  /**
   * The largest command (one log entry): a 16 MiB document plus its command envelope. Ratis' entry,
   * appender and gRPC limits are all set above this.
   */
  public static final int MAX_COMMAND_BYTES = MAX_DOCUMENT_BYTES + 16 * 1024;
}
