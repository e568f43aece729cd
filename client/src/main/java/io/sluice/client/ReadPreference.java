package io.sluice.client;

import java.util.Objects;

/**
 * Which node answers a read, and what it guarantees.
 *
 * <ul>
 *   <li>{@link #linearizable()} (the default): the read sees every write acknowledged before it
 *       started, by any client. The leader answers, after confirming it still leads (Raft ReadIndex).</li>
 *   <li>{@link #follower()}: a follower answers from its own applied state, once that includes every
 *       write this client has seen acknowledged (and any position given with {@code afterPosition}):
 *       read-your-writes and monotonic reads for this client, without touching the leader. Writes of
 *       other clients may not be visible yet.</li>
 * </ul>
 */
public final class ReadPreference {
  enum Mode { LINEARIZABLE, FOLLOWER }

  private static final ReadPreference LINEARIZABLE = new ReadPreference(Mode.LINEARIZABLE);
  private static final ReadPreference FOLLOWER = new ReadPreference(Mode.FOLLOWER);

  private final Mode mode;

  private ReadPreference(Mode mode) {
    this.mode = mode;
  }

  public static ReadPreference linearizable() {
    return LINEARIZABLE;
  }

  public static ReadPreference follower() {
    return FOLLOWER;
  }

  Mode mode() {
    return mode;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ReadPreference other && other.mode == mode;
  }

  @Override
  public int hashCode() {
    return Objects.hash(mode);
  }

  @Override
  public String toString() {
    return mode.name().toLowerCase();
  }
}
