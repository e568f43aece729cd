package io.sluice.statemachine;

import org.apache.ratis.conf.RaftProperties;

/** The state machine's own snapshot settings, kept in Ratis' properties beside Ratis' snapshot settings. */
public final class SnapshotConfigKeys {
  static final String WRITE_BYTES_PER_SECOND = "sluice.snapshot.write.bytes-per-second";

  private SnapshotConfigKeys() {
  }

  /** The pace at which a snapshot is written while entries are applied; 0 (the default): no limit. */
  public static void setWriteBytesPerSecond(RaftProperties properties, long bytesPerSecond) {
    if (bytesPerSecond < 0) {
      throw new IllegalArgumentException(WRITE_BYTES_PER_SECOND + " must be 0 (no limit) or positive, got " + bytesPerSecond);
    }
    properties.setLong(WRITE_BYTES_PER_SECOND, bytesPerSecond);
  }

  static long writeBytesPerSecond(RaftProperties properties) {
    return properties.getLong(WRITE_BYTES_PER_SECOND, 0L);
  }
}
