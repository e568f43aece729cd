package io.sluice.statemachine.engine;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import java.util.Optional;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/** An update operator that combines a numeric field with a numeric argument: {@code $inc}, {@code $mul}. */
abstract class NumericOperator implements UpdateOperator {
  private final String name;
  private final String verb;

  /** {@code name}: "$inc"; {@code verb}: "increment", as MongoDB's messages say. */
  NumericOperator(String name, String verb) {
    this.name = name;
    this.verb = verb;
  }

  /** The value a missing field gets. */
  abstract BsonValue whenMissing(BsonValue argument);

  /** The new value, with MongoDB's result type; null if a long result overflows. */
  abstract BsonValue combine(BsonValue current, BsonValue argument);

  @Override
  public final void checkArgument(String path, BsonValue argument) {
    if (!BsonValues.isNumber(argument)) {
      throw new SluiceException(ErrorCode.TYPE_MISMATCH, "Cannot " + verb + " with non-numeric argument: {" + path + ": "
          + BsonValues.render(argument) + "}");
    }
  }

  @Override
  public final void apply(BsonDocument doc, String[] path, BsonValue argument, ChangeLog log) {
    Optional<BsonValue> existing = FieldPath.get(doc, String.join(".", path));
    if (existing.isEmpty()) {
      FieldPath.set(doc, path, whenMissing(argument), log);
      return;
    }
    BsonValue current = existing.get();
    if (!BsonValues.isNumber(current)) {
      throw new SluiceException(ErrorCode.TYPE_MISMATCH, "Cannot apply " + name + " to a value of non-numeric type. "
          + BsonValues.describeId(doc) + " has the field '" + path[path.length - 1] + "' of non-numeric type "
          + BsonValues.typeName(current));
    }
    BsonValue result = combine(current, argument);
    if (result == null) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "Failed to apply " + name + " operations to current value ("
          + BsonValues.render(current) + ") of the field '" + String.join(".", path) + "' for document "
          + BsonValues.describeId(doc) + ": the result does not fit in a long");
    }
    FieldPath.set(doc, path, result, log);
  }
}
