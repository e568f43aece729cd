package io.sluice.statemachine.engine;

import static io.sluice.statemachine.engine.ExpressionOperators.exactly;
import static io.sluice.statemachine.engine.ExpressionOperators.nullish;
import static io.sluice.statemachine.engine.ExpressionOperators.operands;
import static io.sluice.statemachine.engine.ExpressionOperators.typeName;
import static java.util.Map.entry;

import io.sluice.statemachine.engine.ExpressionOperators.OperatorCompiler;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;
import org.bson.BsonDateTime;
import org.bson.BsonDecimal128;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonNull;
import org.bson.BsonValue;
import org.bson.types.Decimal128;

/**
 * {@code $add $subtract $multiply $divide} with MongoDB's numeric widening: the result has the widest
 * operand type (int &lt; long &lt; double &lt; decimal), an int result that overflows becomes a long and a
 * long one a double; {@code $divide} gives a double (a decimal if an operand is one). A double meets a
 * decimal rounded to 15 significant digits, as MongoDB converts it. Null or missing operands give null.
 */
final class ArithmeticOperators {
  private ArithmeticOperators() {}

  static final Map<String, OperatorCompiler> OPERATORS = Map.ofEntries(
      entry("$add", ArithmeticOperators::add),
      entry("$subtract", ArithmeticOperators::subtract),
      entry("$multiply", ArithmeticOperators::multiply),
      entry("$divide", ArithmeticOperators::divide));

  /** Numeric types in widening order. */
  private enum Kind { INT, LONG, DOUBLE, DECIMAL }

  private static final MathContext DOUBLE_TO_DECIMAL = new MathContext(15, RoundingMode.HALF_EVEN);

  private static Evaluator add(String name, BsonValue args, ExpressionParser p) {
    Evaluator[] operands = operands(name, args, p);
    return vars -> {
      BsonValue[] values = new BsonValue[operands.length];
      BsonDateTime date = null;
      int n = 0;
      for (Evaluator operand : operands) {
        BsonValue v = operand.evaluate(vars);
        if (nullish(v)) {
          return BsonNull.VALUE;
        }
        if (v.isDateTime()) {
          if (date != null) {
            throw Expression.typeMismatch("only one date allowed in an $add expression, found a second: " + BsonValues.render(v));
          }
          date = v.asDateTime();
        } else if (BsonValues.isNumber(v)) {
          values[n++] = v;
        } else {
          throw Expression.typeMismatch("$add only supports numeric or date types, not " + typeName(v) + " " + BsonValues.render(v));
        }
      }
      List<BsonValue> numbers = java.util.Arrays.asList(values).subList(0, n);
      if (date != null) {
        return new BsonDateTime(plusMillis(name, date.getValue(), numbers, false));
      }
      return sum(widest(numbers), numbers);
    };
  }

  /**
   * The running total of a group's {@code $sum} or {@code $avg}: exact, with the widest type added so
   * far, so the result type depends on the final total (an int sum that overflows and comes back is
   * still an int) and no precision is lost on the way. NaN and infinities are summed as doubles.
   */
  static final class RunningSum {
    private Kind widest = Kind.INT;
    private BigDecimal exact = BigDecimal.ZERO;
    private double nonFinite;
    private boolean anyNonFinite;

    void add(BsonValue number) {
      Kind kind = widest(List.of(number));
      widest = kind.compareTo(widest) > 0 ? kind : widest;
      if (allFinite(List.of(number))) {
        exact = exact.add(BsonOrder.exact(number));
      } else {
        nonFinite += asDouble(number);
        anyNonFinite = true;
      }
    }

    BsonValue total() {
      return anyNonFinite ? fromDouble(widest, nonFinite) : fromExact(widest, exact(widest, exact));
    }

    /** {@code total / count} as {@code $avg} gives it: a decimal if a decimal was added, else a double. */
    BsonValue average(long count) {
      if (anyNonFinite) {
        return fromDouble(widest == Kind.DECIMAL ? Kind.DECIMAL : Kind.DOUBLE, nonFinite);
      }
      BigDecimal mean = exact.divide(BigDecimal.valueOf(count), MathContext.DECIMAL128);
      return widest == Kind.DECIMAL ? fromExact(Kind.DECIMAL, mean) : new BsonDouble(mean.doubleValue());
    }

    private static BigDecimal exact(Kind widest, BigDecimal total) {
      return widest == Kind.DECIMAL ? total.round(MathContext.DECIMAL128) : total;
    }
  }

  private static BsonValue sum(Kind widest, List<BsonValue> numbers) {
    if (!allFinite(numbers)) {
      double total = 0;
      for (BsonValue v : numbers) {
        total += asDouble(v);
      }
      return fromDouble(widest, total);
    }
    BigDecimal total = BigDecimal.ZERO;
    for (BsonValue v : numbers) {
      total = total.add(exact(widest, v));
    }
    return fromExact(widest, total);
  }

  private static Evaluator subtract(String name, BsonValue args, ExpressionParser p) {
    Evaluator[] ab = exactly(name, args, p, 2);
    return vars -> {
      BsonValue a = ab[0].evaluate(vars);
      BsonValue b = ab[1].evaluate(vars);
      if (nullish(a) || nullish(b)) {
        return BsonNull.VALUE;
      }
      if (a.isDateTime() && b.isDateTime()) {
        try {
          return new BsonInt64(Math.subtractExact(a.asDateTime().getValue(), b.asDateTime().getValue()));
        } catch (ArithmeticException overflow) {
          throw Expression.badValue("date overflow in $subtract: " + BsonValues.render(a) + " - " + BsonValues.render(b));
        }
      }
      if (a.isDateTime() && BsonValues.isNumber(b)) {
        return new BsonDateTime(plusMillis(name, a.asDateTime().getValue(), List.of(b), true));
      }
      if (!BsonValues.isNumber(a) || !BsonValues.isNumber(b)) {
        throw Expression.typeMismatch("$subtract cannot subtract a " + typeName(b) + " (" + BsonValues.render(b) + ") from a "
            + typeName(a) + " (" + BsonValues.render(a) + ")");
      }
      Kind widest = widest(List.of(a, b));
      if (widest == Kind.DOUBLE || !allFinite(List.of(a, b))) {
        return fromDouble(widest, asDouble(a) - asDouble(b));
      }
      return fromExact(widest, exact(widest, a).subtract(exact(widest, b)));
    };
  }

  private static Evaluator multiply(String name, BsonValue args, ExpressionParser p) {
    Evaluator[] operands = operands(name, args, p);
    return vars -> {
      BsonValue[] values = new BsonValue[operands.length];
      for (int i = 0; i < operands.length; i++) {
        BsonValue v = operands[i].evaluate(vars);
        if (nullish(v)) {
          return BsonNull.VALUE;
        }
        if (!BsonValues.isNumber(v)) {
          throw Expression.typeMismatch("$multiply only supports numeric types, not " + typeName(v) + " " + BsonValues.render(v));
        }
        values[i] = v;
      }
      List<BsonValue> numbers = List.of(values);
      Kind widest = widest(numbers);
      if (widest == Kind.DOUBLE || !allFinite(numbers)) {
        double product = 1;
        for (BsonValue v : numbers) {
          product *= asDouble(v);
        }
        return fromDouble(widest, product);
      }
      BigDecimal product = BigDecimal.ONE;
      for (BsonValue v : numbers) {
        product = product.multiply(exact(widest, v));
      }
      return fromExact(widest, product);
    };
  }

  private static Evaluator divide(String name, BsonValue args, ExpressionParser p) {
    Evaluator[] ab = exactly(name, args, p, 2);
    return vars -> {
      BsonValue a = ab[0].evaluate(vars);
      BsonValue b = ab[1].evaluate(vars);
      if (nullish(a) || nullish(b)) {
        return BsonNull.VALUE;
      }
      if (!BsonValues.isNumber(a) || !BsonValues.isNumber(b)) {
        throw Expression.typeMismatch("$divide only supports numeric types, not " + typeName(a) + " and " + typeName(b)
            + " (" + BsonValues.render(a) + " / " + BsonValues.render(b) + ")");
      }
      boolean decimal = widest(List.of(a, b)) == Kind.DECIMAL;
      if (isZero(b)) {
        throw Expression.badValue("can't $divide by zero: " + BsonValues.render(a) + " / " + BsonValues.render(b));
      }
      if (!decimal || !allFinite(List.of(a, b))) {
        return fromDouble(decimal ? Kind.DECIMAL : Kind.DOUBLE, asDouble(a) / asDouble(b));
      }
      return fromExact(Kind.DECIMAL, exact(Kind.DECIMAL, a).divide(exact(Kind.DECIMAL, b), MathContext.DECIMAL128));
    };
  }

  // ---- helpers ----

  /** {@code millis} plus (or minus) the sum of the numbers, rounded to whole milliseconds (half away from zero). */
  private static long plusMillis(String name, long millis, List<BsonValue> numbers, boolean subtract) {
    if (!allFinite(numbers)) {
      throw Expression.badValue("date overflow in " + name + ": cannot add " + BsonValues.render(new org.bson.BsonArray(numbers))
          + " to a date");
    }
    BigDecimal amount = BigDecimal.ZERO;
    for (BsonValue v : numbers) {
      amount = amount.add(BsonOrder.exact(v));
    }
    BigDecimal result = BigDecimal.valueOf(millis).add(subtract ? amount.negate() : amount).setScale(0, RoundingMode.HALF_UP);
    try {
      return result.longValueExact();
    } catch (ArithmeticException overflow) {
      throw Expression.badValue("date overflow in " + name + ": the result " + result + " is not a valid date");
    }
  }

  private static Kind widest(List<BsonValue> numbers) {
    Kind widest = Kind.INT;
    for (BsonValue v : numbers) {
      Kind k = switch (v.getBsonType()) {
        case INT64 -> Kind.LONG;
        case DOUBLE -> Kind.DOUBLE;
        case DECIMAL128 -> Kind.DECIMAL;
        default -> Kind.INT;
      };
      widest = k.compareTo(widest) > 0 ? k : widest;
    }
    return widest;
  }

  private static boolean allFinite(List<BsonValue> numbers) {
    for (BsonValue v : numbers) {
      if ((v.isDouble() && !Double.isFinite(v.asDouble().getValue())) || (v.isDecimal128() && !v.asDecimal128().getValue().isFinite())) {
        return false;
      }
    }
    return true;
  }

  private static boolean isZero(BsonValue v) {
    return v.isDecimal128() ? v.asDecimal128().getValue().isFinite() && BsonOrder.exact(v).signum() == 0 : asDouble(v) == 0;
  }

  private static double asDouble(BsonValue v) {
    if (v.isDecimal128()) {
      Decimal128 d = v.asDecimal128().getValue();
      return d.isNaN() ? Double.NaN : d.isInfinite() ? (d.isNegative() ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY)
          : BsonOrder.exact(d).doubleValue();
    }
    return v.asNumber().doubleValue();
  }

  /** The exact value of a finite number; a double in decimal arithmetic is first rounded to 15 digits. */
  private static BigDecimal exact(Kind widest, BsonValue v) {
    BigDecimal exact = BsonOrder.exact(v);
    return widest == Kind.DECIMAL && v.isDouble() ? exact.round(DOUBLE_TO_DECIMAL) : exact;
  }

  private static BsonValue fromExact(Kind widest, BigDecimal exact) {
    switch (widest) {
      case INT:
        if (exact.compareTo(BigDecimal.valueOf(Integer.MIN_VALUE)) >= 0 && exact.compareTo(BigDecimal.valueOf(Integer.MAX_VALUE)) <= 0) {
          return new BsonInt32(exact.intValueExact());
        }
        // fall through: an int overflow widens to long
      case LONG:
        if (exact.compareTo(BigDecimal.valueOf(Long.MIN_VALUE)) >= 0 && exact.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) <= 0) {
          return new BsonInt64(exact.longValueExact());
        }
        // fall through: a long overflow widens to double
      case DOUBLE:
        return new BsonDouble(exact.doubleValue());
      default:
        try {
          return new BsonDecimal128(new Decimal128(exact.round(MathContext.DECIMAL128)));
        } catch (NumberFormatException | ArithmeticException outOfRange) {
          throw Expression.badValue("decimal result out of range: " + exact.round(MathContext.DECIMAL64));
        }
    }
  }

  private static BsonValue fromDouble(Kind widest, double d) {
    if (widest != Kind.DECIMAL) {
      return new BsonDouble(d);
    }
    if (Double.isNaN(d)) {
      return new BsonDecimal128(Decimal128.NaN);
    }
    if (Double.isInfinite(d)) {
      return new BsonDecimal128(d > 0 ? Decimal128.POSITIVE_INFINITY : Decimal128.NEGATIVE_INFINITY);
    }
    return fromExact(Kind.DECIMAL, new BigDecimal(d).round(DOUBLE_TO_DECIMAL));
  }
}
