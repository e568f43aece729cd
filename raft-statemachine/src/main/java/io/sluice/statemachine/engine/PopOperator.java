package io.sluice.statemachine.engine;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonValue;

/** {@code $pop}: removes the last element (1) or the first (-1); a missing field or an empty array is no change. */
final class PopOperator implements UpdateOperator {
  @Override
  public void checkArgument(String path, BsonValue argument) {
    if (!BsonValues.isNumber(argument) || !(BsonOrder.equal(argument, new BsonInt32(1)) || BsonOrder.equal(argument, new BsonInt32(-1)))) {
      throw new SluiceException(ErrorCode.FAILED_TO_PARSE, "$pop expects 1 or -1, found: " + BsonValues.render(argument)
          + " for the path '" + path + "'");
    }
  }

  @Override
  public void apply(BsonDocument doc, String[] path, BsonValue argument, ChangeLog log) {
    ArrayField.at(doc, path, "$pop", ErrorCode.TYPE_MISMATCH).filter(array -> !array.isEmpty()).ifPresent(array -> {
      BsonArray popped = new BsonArray(array);
      popped.remove(BsonOrder.equal(argument, new BsonInt32(1)) ? popped.size() - 1 : 0);
      ArrayField.replace(doc, path, popped, log);
    });
  }
}
