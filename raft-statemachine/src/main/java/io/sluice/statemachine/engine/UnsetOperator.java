package io.sluice.statemachine.engine;

import org.bson.BsonDocument;
import org.bson.BsonValue;

/** {@code $unset}: removes the field (an array element becomes null); a missing path is no change. */
final class UnsetOperator implements UpdateOperator {
  @Override
  public void apply(BsonDocument doc, String[] path, BsonValue argument, ChangeLog log) {
    FieldPath.unset(doc, path, log);
  }
}
