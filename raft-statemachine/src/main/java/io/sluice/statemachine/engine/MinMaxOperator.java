package io.sluice.statemachine.engine;

import java.util.Optional;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * {@code $min} and {@code $max}: set the field to the argument if the argument is less (greater)
 * than the current value in BSON order, across types; a missing field is set to the argument.
 */
final class MinMaxOperator implements UpdateOperator {
  /** -1 for $min: the argument must compare below the current value; 1 for $max. */
  private final int wanted;

  private MinMaxOperator(int wanted) {
    this.wanted = wanted;
  }

  static MinMaxOperator min() {
    return new MinMaxOperator(-1);
  }

  static MinMaxOperator max() {
    return new MinMaxOperator(1);
  }

  @Override
  public void apply(BsonDocument doc, String[] path, BsonValue argument, ChangeLog log) {
    Optional<BsonValue> current = FieldPath.get(doc, String.join(".", path));
    if (current.isEmpty() || Integer.signum(BsonOrder.compare(argument, current.get())) == wanted) {
      FieldPath.set(doc, path, BsonValues.copy(argument), log);
    }
  }
}
