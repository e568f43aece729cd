package io.sluice.statemachine.engine;

import org.bson.BsonDocument;
import org.bson.BsonValue;

/** {@code $set}: sets the field to the value, creating the path; setting the same value is no change. */
final class SetOperator implements UpdateOperator {
  @Override
  public void apply(BsonDocument doc, String[] path, BsonValue argument, ChangeLog log) {
    FieldPath.set(doc, path, BsonValues.copy(argument), log);
  }
}
