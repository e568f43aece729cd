package io.sluice.statemachine.engine;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import org.bson.BsonValue;

/**
 * {@code $currentDate}: sets the field to the entry's time, a date for {@code true} or
 * {@code {$type: 'date'}}, a timestamp for {@code {$type: 'timestamp'}}. {@link Update#compile}
 * turns it into a {@code $set} of that value, so it applies alike on every node.
 */
final class CurrentDateOperator {
  private CurrentDateOperator() {}

  /** The value {@code argument} asks for at {@code time}; BAD_VALUE naming the path if the argument is not one of the three. */
  static BsonValue valueAt(String path, BsonValue argument, EntryTime time) {
    if (argument.isBoolean()) {
      return time.date();
    }
    if (argument.isDocument() && argument.asDocument().size() == 1 && argument.asDocument().containsKey("$type")) {
      BsonValue type = argument.asDocument().get("$type");
      if (type.isString() && type.asString().getValue().equals("date")) {
        return time.date();
      }
      if (type.isString() && type.asString().getValue().equals("timestamp")) {
        return time.timestamp();
      }
    }
    throw new SluiceException(ErrorCode.BAD_VALUE, "$currentDate of '" + path + "' takes true, {$type: 'date'} or "
        + "{$type: 'timestamp'}, not " + BsonValues.render(argument));
  }
}
