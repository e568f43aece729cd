package io.sluice.statemachine.engine;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonNull;
import org.bson.BsonValue;

/**
 * The accumulators of a {@code $group} stage, by name. Each group gets its own {@link Accumulator};
 * it is fed the value of its expression for every document of the group ({@code null} where the
 * value is missing) and then asked for the result, as MongoDB defines it:
 * <ul>
 *   <li>{@code $sum} adds the numbers exactly and ignores everything else (0 if none); the result
 *       has the widest type added unless the total needs a wider one ({@code $add}'s widening);
 *       {@code $avg} averages the numbers (null if none);</li>
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
    private final ArithmeticOperators.RunningSum sum = new ArithmeticOperators.RunningSum();

    @Override
    public void add(BsonValue value) {
      if (value != null && BsonValues.isNumber(value)) {
        sum.add(value);
      }
    }

    @Override
    public BsonValue result() {
      return sum.total();
    }
  }

  private static final class Avg implements Accumulator {
    private final ArithmeticOperators.RunningSum sum = new ArithmeticOperators.RunningSum();
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
      return count == 0 ? BsonNull.VALUE : sum.average(count);
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

  /**
   * The values {@code $push} or {@code $addToSet} collect for one group, at most {@link #MAX_BYTES}
   * of them (encoded), as MongoDB bounds them, so that a group cannot copy a collection many times over.
   */
  private static final class Collected {
    static final long MAX_BYTES = 100L * 1024 * 1024;

    private final String operator;
    private final BsonArray values = new BsonArray();
    private long bytes;

    Collected(String operator) {
      this.operator = operator;
    }

    void add(BsonValue value) {
      bytes += DocumentLimits.encodedSize(new BsonDocument("", value));
      if (bytes > MAX_BYTES) {
        throw new SluiceException(ErrorCode.EXCEEDED_MEMORY_LIMIT, operator + " used too much memory and cannot spill to disk. "
            + "Memory limit: " + MAX_BYTES + " bytes");
      }
      values.add(BsonValues.copy(value));
    }
  }

  private static final class Push implements Accumulator {
    private final Collected collected = new Collected("$push");

    @Override
    public void add(BsonValue value) {
      if (value != null) {
        collected.add(value);
      }
    }

    @Override
    public BsonValue result() {
      return collected.values;
    }
  }

  private static final class AddToSet implements Accumulator {
    private final TreeSet<BsonValue> seen = new TreeSet<>(BsonOrder::compare);
    private final Collected collected = new Collected("$addToSet");

    @Override
    public void add(BsonValue value) {
      if (value != null && seen.add(value)) {
        collected.add(value);
      }
    }

    @Override
    public BsonValue result() {
      return collected.values;
    }
  }

  private static final BsonInt32 ONE = new BsonInt32(1);

  private static final class Count implements Accumulator {
    private final Sum sum = new Sum();

    @Override
    public void add(BsonValue value) {
      sum.add(ONE);
    }

    @Override
    public BsonValue result() {
      return sum.result();
    }
  }
}
