package io.sluice.statemachine.engine;

import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * One update operator ({@code $set}, {@code $inc}, ...), applied to one path. Operators are
 * registered by name in {@link Update}; adding one means one small class and one registry entry.
 */
interface UpdateOperator {
  /** Checks one path's argument when the update is compiled; throws SluiceException if it is unusable. */
  default void checkArgument(String path, BsonValue argument) {}

  /** True for an operator that applies only when an upsert inserts a new document ({@code $setOnInsert}). */
  default boolean onInsertOnly() {
    return false;
  }

  /**
   * Applies the operator to the document (a private, mutable copy; the argument must be copied
   * before it is stored in it) and records what changed in the log.
   */
  void apply(BsonDocument doc, String[] path, BsonValue argument, ChangeLog log);
}
