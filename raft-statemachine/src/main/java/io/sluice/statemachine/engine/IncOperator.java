package io.sluice.statemachine.engine;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Optional;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
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
final class IncOperator implements UpdateOperator {
  /** MongoDB turns a double into a decimal with 15 significant digits. */
  private static final MathContext DOUBLE_TO_DECIMAL = new MathContext(15);

  @Override
  public void checkArgument(String path, BsonValue argument) {
    if (!BsonValues.isNumber(argument)) {
      throw new SluiceException(ErrorCode.TYPE_MISMATCH, "Cannot increment with non-numeric argument: {"
          + path + ": " + BsonValues.render(argument) + "}");
    }
  }

  @Override
  public void apply(BsonDocument doc, String[] path, BsonValue argument, ChangeLog log) {
    Optional<BsonValue> existing = FieldPath.get(doc, String.join(".", path));
    if (existing.isEmpty()) {
      FieldPath.set(doc, path, argument, log);
      return;
    }
    BsonValue current = existing.get();
    if (!BsonValues.isNumber(current)) {
      throw new SluiceException(ErrorCode.TYPE_MISMATCH, "Cannot apply $inc to a value of non-numeric type. "
          + BsonValues.describeId(doc) + " has the field '" + path[path.length - 1] + "' of non-numeric type "
          + BsonValues.typeName(current));
    }
    BsonValue sum = add(current, argument);
    if (sum == null) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "Failed to apply $inc operations to current value ("
          + BsonValues.render(current) + ") of the field '" + String.join(".", path) + "' for document "
          + BsonValues.describeId(doc) + ": the result does not fit in a long");
    }
    FieldPath.set(doc, path, sum, log);
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
