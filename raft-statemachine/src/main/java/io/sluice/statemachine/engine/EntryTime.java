package io.sluice.statemachine.engine;

import org.bson.BsonDateTime;
import org.bson.BsonTimestamp;

/**
 * The time of the log entry an update belongs to, as the leader stamped it: what {@code $currentDate}
 * sets. Never a node's own clock, so every node applies the entry to the same bytes.
 */
public record EntryTime(BsonDateTime date, BsonTimestamp timestamp) {}
