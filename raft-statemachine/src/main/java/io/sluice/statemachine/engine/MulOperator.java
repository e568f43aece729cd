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
 * {@code $mul}: multiplies a numeric field by the argument; a missing field is created as the
 * argument times int 0 (zero of the argument's type; NaN stays NaN). Result types as for
 * {@code $inc}: int × int stays int unless it overflows (then long), long overflow is an error, a
 * double makes a double, a decimal makes a decimal.
 */
final class MulOperator extends NumericOperator {
  MulOperator() {
    super("$mul", "multiply");
  }

  @Override
  BsonValue whenMissing(BsonValue argument) {
    return multiply(argument, new BsonInt32(0));
  }

  @Override
  BsonValue combine(BsonValue current, BsonValue argument) {
    return multiply(current, argument);
  }

  /** The product with MongoDB's result type, or null if a long product overflows. */
  static BsonValue multiply(BsonValue a, BsonValue b) {
    BsonType ta = a.getBsonType();
    BsonType tb = b.getBsonType();
    if (ta == BsonType.DECIMAL128 || tb == BsonType.DECIMAL128) {
      return multiplyDecimals(IncOperator.toDecimal(a), IncOperator.toDecimal(b));
    }
    if (ta == BsonType.DOUBLE || tb == BsonType.DOUBLE) {
      return new BsonDouble(a.asNumber().doubleValue() * b.asNumber().doubleValue());
    }
    long x = a.asNumber().longValue();
    long y = b.asNumber().longValue();
    try {
      long product = Math.multiplyExact(x, y);
      return ta == BsonType.INT32 && tb == BsonType.INT32 && product == (int) product ? new BsonInt32((int) product)
          : new BsonInt64(product);
    } catch (ArithmeticException overflow) {
      return null;
    }
  }

  private static boolean isZero(Decimal128 d) {
    return !d.isInfinite() && !d.isNaN() && BsonOrder.exact(d).signum() == 0;
  }

  private static BsonValue multiplyDecimals(Decimal128 x, Decimal128 y) {
    if (x.isNaN() || y.isNaN() || (x.isInfinite() && isZero(y)) || (y.isInfinite() && isZero(x))) {
      return new BsonDecimal128(Decimal128.NaN);
    }
    boolean negative = x.isNegative() != y.isNegative();
    if (x.isInfinite() || y.isInfinite()) {
      return new BsonDecimal128(negative ? Decimal128.NEGATIVE_INFINITY : Decimal128.POSITIVE_INFINITY);
    }
    BigDecimal product = BsonOrder.exact(x).multiply(BsonOrder.exact(y), MathContext.DECIMAL128);
    try {
      return new BsonDecimal128(new Decimal128(product));
    } catch (RuntimeException outOfRange) {
      return new BsonDecimal128(negative ? Decimal128.NEGATIVE_INFINITY : Decimal128.POSITIVE_INFINITY);
    }
  }
}
