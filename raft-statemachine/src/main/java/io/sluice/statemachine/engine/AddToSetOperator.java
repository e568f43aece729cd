package io.sluice.statemachine.engine;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * {@code $addToSet}: appends the value, or each element of {@code {$each: [...]}}, unless the array
 * already holds an equal one (BSON comparison: 1 equals 1.0; documents must have the same fields in
 * the same order). Creates the array if the field is missing.
 */
final class AddToSetOperator implements UpdateOperator {
  @Override
  public void checkArgument(String path, BsonValue argument) {
    values(argument);
  }

  @Override
  public void apply(BsonDocument doc, String[] path, BsonValue argument, ChangeLog log) {
    BsonArray elements = new BsonArray(ArrayField.at(doc, path, "$addToSet").orElseGet(BsonArray::new));
    for (BsonValue value : values(argument)) {
      if (elements.stream().noneMatch(e -> BsonOrder.equal(e, value))) {
        elements.add(value);
      }
    }
    ArrayField.replace(doc, path, elements, log);
  }

  private static BsonArray values(BsonValue argument) {
    if (argument.isDocument() && argument.asDocument().containsKey("$each")) {
      if (argument.asDocument().size() > 1) {
        throw new SluiceException(ErrorCode.BAD_VALUE, "$addToSet takes only $each as a modifier, found "
            + BsonValues.render(argument));
      }
      BsonValue each = argument.asDocument().get("$each");
      if (!each.isArray()) {
        throw new SluiceException(ErrorCode.TYPE_MISMATCH, "The argument to $each in $addToSet must be an array but it was of type "
            + BsonValues.typeName(each));
      }
      return ArrayField.elementsOf(each, "The argument to $each in $addToSet");
    }
    return new BsonArray(java.util.List.of(BsonValues.copy(argument)));
  }
}
