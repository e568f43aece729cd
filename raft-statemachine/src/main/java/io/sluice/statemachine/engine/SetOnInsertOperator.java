package io.sluice.statemachine.engine;

import org.bson.BsonDocument;
import org.bson.BsonValue;

/** {@code $setOnInsert}: {@code $set}, but only when an upsert inserts; an update of a matched document ignores it. */
final class SetOnInsertOperator implements UpdateOperator {
  @Override
  public boolean onInsertOnly() {
    return true;
  }

  @Override
  public void apply(BsonDocument doc, String[] path, BsonValue argument, ChangeLog log) {
    FieldPath.set(doc, path, BsonValues.copy(argument), log);
  }
}
