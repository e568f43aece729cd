package io.sluice.statemachine.command;

import io.sluice.protocol.Position;
import org.bson.BsonTimestamp;

/**
 * Everything apply may know about the entry besides its command: its log position, the wall time
 * the leader stamped on it, and the cluster time derived from both. Apply reads time only from here.
 */
public record ApplyContext(Position position, long wallTimeMillis, BsonTimestamp clusterTime) {

  /**
   * The cluster time of the next entry: the leader's wall time in seconds with increment 1, unless
   * that would not be after {@code previous}, in which case {@code previous} plus one increment.
   * Deriving it at apply, from replicated state only, makes it strictly increase with the index on
   * every node, whatever the clocks of successive leaders say.
   */
  public static BsonTimestamp nextClusterTime(BsonTimestamp previous, long wallTimeMillis) {
    long seconds = Math.max(0, wallTimeMillis / 1000);
    if (seconds > Integer.toUnsignedLong(previous.getTime())) {
      return new BsonTimestamp((int) seconds, 1);
    }
    if (previous.getInc() == -1) {
      // The increment is an unsigned 32-bit counter: once full, time moves to the next second.
      return new BsonTimestamp(previous.getTime() + 1, 1);
    }
    return new BsonTimestamp(previous.getTime(), previous.getInc() + 1);
  }
}
