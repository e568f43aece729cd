package io.sluice.statemachine.storage;

import io.sluice.protocol.Position;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;

/**
 * What the store has applied: the position of the last applied log entry and the cluster time given
 * to it. Stored with the data, so that a store (or a snapshot of it) is at exactly one applied
 * position and Raft replays the log after it.
 */
public record AppliedState(Position position, BsonTimestamp clusterTime) {

  public static final AppliedState INITIAL = new AppliedState(Position.ZERO, new BsonTimestamp(0, 0));

  BsonDocument toBson() {
    return position.toBson().append("clusterTime", clusterTime);
  }

  static AppliedState fromBson(BsonDocument doc) {
    return new AppliedState(Position.fromBson(doc), doc.getTimestamp("clusterTime"));
  }
}
