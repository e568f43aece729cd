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

  /**
   * Prepares one path's argument when the update is compiled, checking it: what applying it does.
   * Operators whose argument takes work to read ({@code $pull}'s condition, {@code $push}'s
   * modifiers) do that work here once, not for every document.
   */
  default Action prepare(String path, BsonValue argument) {
    checkArgument(path, argument);
    return (doc, at, log) -> apply(doc, at, argument, log);
  }

  /** A prepared argument, applied to one document at one (concrete) path. */
  @FunctionalInterface
  interface Action {
    void apply(BsonDocument doc, String[] path, ChangeLog log);
  }
}
