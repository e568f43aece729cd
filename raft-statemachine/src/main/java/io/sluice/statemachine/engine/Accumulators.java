package io.sluice.statemachine.engine;

import java.util.Map;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.bson.BsonArray;
import org.bson.BsonInt32;
import org.bson.BsonNull;
import org.bson.BsonValue;

/**
 * The accumulators of a {@code $group} stage, by name. Each group gets its own {@link Accumulator};
 * it is fed the value of its expression for every document of the group ({@code null} where the
 * value is missing) and then asked for the result, as MongoDB defines it:
 * <ul>
 *   <li>{@code $sum} adds the numbers and ignores everything else (0 if none), widening like
 *       {@code $add}; {@code $avg} averages the numbers (null if none);</li>
 *   <li>{@code $min} and {@code $max} compare in BSON order and ignore null and missing (null if
 *       nothing else);</li>
 *   <li>{@code $first} and {@code $last} take the first and last value, missing as null;</li>
 *   <li>{@code $push} collects every value but missing; {@code $addToSet} the distinct ones, in the
 *       order first seen (numbers equal across types are one value);</li>
 *   <li>{@code $count} (which takes {@code {}}) counts the documents.</li>
 * </ul>
 */
final class Accumulators {
  private Accumulators() {}

  /** The state of one accumulator for one group. */
  interface Accumulator {
    void add(BsonValue value);

    BsonValue result();
  }

  /** Looked up by name only; its iteration order is never used. */
  static final Map<String, Supplier<Accumulator>> BY_NAME = Map.of(
      "$sum", Sum::new,
      "$avg", Avg::new,
      "$min", () -> new Extreme(-1),
      "$max", () -> new Extreme(1),
      "$first", First::new,
      "$last", Last::new,
      "$push", Push::new,
      "$addToSet", AddToSet::new,
      "$count", Count::new);

  private static final class Sum implements Accumulator {
    private BsonValue total = new BsonInt32(0);

    @Override
    public void add(BsonValue value) {
      if (value != null && BsonValues.isNumber(value)) {
        total = ArithmeticOperators.plus(total, value);
      }
    }

    @Override
    public BsonValue result() {
      return total;
    }
  }

  private static final class Avg implements Accumulator {
    private final Sum sum = new Sum();
    private long count;

    @Override
    public void add(BsonValue value) {
      if (value != null && BsonValues.isNumber(value)) {
        sum.add(value);
        count++;
      }
    }

    @Override
    public BsonValue result() {
      return count == 0 ? BsonNull.VALUE : ArithmeticOperators.average(sum.result(), count);
    }
  }

  /** {@code $min} (sign -1) or {@code $max} (sign 1). */
  private static final class Extreme implements Accumulator {
    private final int sign;
    private BsonValue best;

    Extreme(int sign) {
      this.sign = sign;
    }

    @Override
    public void add(BsonValue value) {
      if (value != null && !value.isNull() && (best == null || Integer.signum(BsonOrder.compare(value, best)) == sign)) {
        best = BsonValues.copy(value);
      }
    }

    @Override
    public BsonValue result() {
      return best == null ? BsonNull.VALUE : best;
    }
  }

  private static final class First implements Accumulator {
    private BsonValue first;

    @Override
    public void add(BsonValue value) {
      if (first == null) {
        first = value == null ? BsonNull.VALUE : BsonValues.copy(value);
      }
    }

    @Override
    public BsonValue result() {
      return first;
    }
  }

  private static final class Last implements Accumulator {
    private BsonValue last;

    @Override
    public void add(BsonValue value) {
      last = value;
    }

    @Override
    public BsonValue result() {
      return last == null ? BsonNull.VALUE : BsonValues.copy(last);
    }
  }

  private static final class Push implements Accumulator {
    private final BsonArray values = new BsonArray();

    @Override
    public void add(BsonValue value) {
      if (value != null) {
        values.add(BsonValues.copy(value));
      }
    }

    @Override
    public BsonValue result() {
      return values;
    }
  }

  private static final class AddToSet implements Accumulator {
    private final TreeSet<BsonValue> seen = new TreeSet<>(BsonOrder::compare);
    private final BsonArray values = new BsonArray();

    @Override
    public void add(BsonValue value) {
      if (value != null && seen.add(value)) {
        values.add(BsonValues.copy(value));
      }
    }

    @Override
    public BsonValue result() {
      return values;
    }
  }

  private static final class Count implements Accumulator {
    private final Sum sum = new Sum();

    @Override
    public void add(BsonValue value) {
      sum.add(new BsonInt32(1));
    }

    @Override
    public BsonValue result() {
      return sum.result();
    }
  }
}
