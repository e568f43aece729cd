package io.sluice.statemachine.command;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import io.sluice.statemachine.engine.BsonOrder;
import org.bson.BsonInt32;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * A query's {@code hint}: the index it must use, by name ({@code "age_1"}) or key pattern
 * ({@code {age: 1}}), or {@code {$natural: 1}} for a collection scan. Without one the planner
 * chooses ({@link QueryPlan}).
 */
record Hint(BsonValue value) {
  static final Hint NONE = new Hint(null);

  /** The {@code hint} field of a command or statement ({@code where} names it in errors); an empty one is none. */
  static Hint read(BsonDocument holder, String where) {
    BsonValue value = holder.get("hint");
    if (value == null || value.isNull() || (value.isDocument() && value.asDocument().isEmpty())) {
      return NONE;
    }
    if (!value.isString() && !value.isDocument()) {
      throw CommandReader.wrongType(where + ".hint", value, "string or object");
    }
    if (value.isDocument() && value.asDocument().containsKey("$natural")) {
      BsonValue direction = value.asDocument().get("$natural");
      boolean numeric = direction.isNumber() || direction.isDecimal128();
      if (value.asDocument().size() != 1 || !numeric || BsonOrder.compare(direction, new BsonInt32(0)) <= 0) {
        throw new SluiceException(ErrorCode.BAD_VALUE, "Sluice scans in natural order forward only: the hint must be {$natural: 1}, "
            + "found " + value.asDocument().toJson() + " (" + where + ".hint)");
      }
    }
    return new Hint(value.isDocument() ? value.asDocument().clone() : value);
  }

  boolean isNone() {
    return value == null;
  }

  /** {@code {$natural: 1}}: scan the collection. */
  boolean isNatural() {
    return value != null && value.isDocument() && value.asDocument().containsKey("$natural");
  }
}
