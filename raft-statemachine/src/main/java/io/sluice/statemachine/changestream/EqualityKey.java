package io.sluice.statemachine.changestream;

import io.sluice.statemachine.engine.BsonOrder;
import java.math.BigDecimal;
import java.util.Optional;
import org.bson.BsonValue;

/**
 * A value as {@code $match} equality sees it, for hashing: 1, 1L, 1.0 and 1.00 have one key, "1" another.
 * Only numbers, strings, object ids, booleans and dates have keys; a value of any other kind (null,
 * documents, arrays, regular expressions...) never equals one of these.
 */
record EqualityKey(Object value) {

  static Optional<EqualityKey> of(BsonValue value) {
    return Optional.ofNullable(switch (value.getBsonType()) {
      case INT32, INT64, DOUBLE, DECIMAL128 -> number(value);
      case STRING -> value.asString().getValue();
      case SYMBOL -> value.asSymbol().getSymbol();
      case OBJECT_ID -> value.asObjectId().getValue();
      case BOOLEAN -> value.asBoolean().getValue();
      case DATE_TIME -> new Date(value.asDateTime().getValue());
      default -> null;
    }).map(EqualityKey::new);
  }

  private record Date(long millis) {}

  private static Object number(BsonValue number) {
    double approximate = number.isDecimal128() ? number.asDecimal128().getValue().doubleValue() : number.asNumber().doubleValue();
    if (Double.isNaN(approximate) || Double.isInfinite(approximate)) {
      return approximate; // a Double, which no BigDecimal key equals; a decimal beyond a double's range shares it (more wake-ups, no miss)
    }
    BigDecimal exact = BsonOrder.exact(number);
    return exact.signum() == 0 ? BigDecimal.ZERO : exact.stripTrailingZeros();
  }
}
