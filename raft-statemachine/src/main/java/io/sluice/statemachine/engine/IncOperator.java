package io.sluice.statemachine.engine;

import java.math.BigDecimal;
import java.math.MathContext;
import org.bson.BsonDecimal128;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonType;
import org.bson.BsonValue;
import org.bson.types.Decimal128;

/**
 * {@code $inc}: adds the argument to a numeric field, or creates the field with the argument. Types
 * follow MongoDB: int + int stays int unless it overflows (then long); long overflow is an error;
 * a double makes a double; a decimal makes a decimal.
 */
final class IncOperator extends NumericOperator {
  /** MongoDB turns a double into a decimal with 15 significant digits. */
  private static final MathContext DOUBLE_TO_DECIMAL = new MathContext(15);

  IncOperator() {
    super("$inc", "increment");
  }

  @Override
  BsonValue whenMissing(BsonValue argument) {
    return argument;
  }

  @Override
  BsonValue combine(BsonValue current, BsonValue argument) {
    return add(current, argument);
  }

  /** The sum with MongoDB's result type, or null if a long sum overflows. */
  static BsonValue add(BsonValue a, BsonValue b) {
    BsonType ta = a.getBsonType();
    BsonType tb = b.getBsonType();
    if (ta == BsonType.DECIMAL128 || tb == BsonType.DECIMAL128) {
      return addDecimals(toDecimal(a), toDecimal(b));
    }
    if (ta == BsonType.DOUBLE || tb == BsonType.DOUBLE) {
      return new BsonDouble(a.asNumber().doubleValue() + b.asNumber().doubleValue());
    }
    long x = a.asNumber().longValue();
    long y = b.asNumber().longValue();
    if (ta == BsonType.INT32 && tb == BsonType.INT32) {
      long sum = x + y;
      return sum == (int) sum ? new BsonInt32((int) sum) : new BsonInt64(sum);
    }
    long sum = x + y;
    boolean overflow = ((x ^ sum) & (y ^ sum)) < 0;
    return overflow ? null : new BsonInt64(sum);
  }

  static Decimal128 toDecimal(BsonValue v) {
    switch (v.getBsonType()) {
      case DECIMAL128:
        return v.asDecimal128().getValue();
      case DOUBLE: {
        double d = v.asDouble().getValue();
        if (Double.isNaN(d)) {
          return Decimal128.NaN;
        }
        if (Double.isInfinite(d)) {
          return d > 0 ? Decimal128.POSITIVE_INFINITY : Decimal128.NEGATIVE_INFINITY;
        }
        return new Decimal128(new BigDecimal(d, DOUBLE_TO_DECIMAL));
      }
      default:
        return new Decimal128(v.asNumber().longValue());
    }
  }

  private static BsonValue addDecimals(Decimal128 x, Decimal128 y) {
    if (x.isNaN() || y.isNaN()) {
      return new BsonDecimal128(Decimal128.NaN);
    }
    if (x.isInfinite() || y.isInfinite()) {
      if (x.isInfinite() && y.isInfinite() && x.isNegative() != y.isNegative()) {
        return new BsonDecimal128(Decimal128.NaN);
      }
      return new BsonDecimal128(x.isInfinite() ? x : y);
    }
    BigDecimal sum = BsonOrder.exact(x).add(BsonOrder.exact(y), MathContext.DECIMAL128);
    try {
      return new BsonDecimal128(new Decimal128(sum));
    } catch (RuntimeException outOfRange) {
      return new BsonDecimal128(sum.signum() > 0 ? Decimal128.POSITIVE_INFINITY : Decimal128.NEGATIVE_INFINITY);
    }
  }
}
