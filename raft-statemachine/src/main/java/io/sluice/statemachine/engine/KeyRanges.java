package io.sluice.statemachine.engine;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * What a filter says about single fields in a form an index can use: for each path the filter
 * constrains at its top level (directly or inside {@code $and}) by equality, {@code $in} or a
 * comparison with a plain value, the ranges of values a matching document must have there. Every
 * document the filter matches has such a value in one of the ranges; the converse need not hold, so
 * the filter is still applied to what an index finds. Null, arrays, regular expressions and
 * MinKey/MaxKey reach documents an index lookup would not (missing fields, whole arrays, other
 * types), so conditions on them give no ranges.
 */
public final class KeyRanges {
  private KeyRanges() {}

  /**
   * Values from {@code low} to {@code high}, both included. A null end is open up to the edge of the
   * other end's type bracket (MongoDB's comparisons stay inside one); equality is {@code (v, v)}. Each
   * end holds on its own: an array field may meet them with different elements, so an index that
   * has seen arrays scans from one end only.
   */
  public record Range(BsonValue low, BsonValue high) {
    public boolean isPoint() {
      return low != null && low == high;
    }

    /** As explain shows index bounds: {@code [5, 5]}, {@code [5, end of numbers]}. */
    public String describe() {
      String from = low == null ? "start of " + bracketName(high) : BsonValues.render(low);
      String to = high == null ? "end of " + bracketName(low) : BsonValues.render(high);
      return "[" + from + ", " + to + "]";
    }

    private static String bracketName(BsonValue value) {
      return switch (value.getBsonType()) {
        case INT32, INT64, DOUBLE, DECIMAL128 -> "numbers";
        case STRING, SYMBOL -> "strings";
        case DOCUMENT -> "objects";
        case DATE_TIME -> "dates";
        default -> BsonValues.typeName(value) + " values";
      };
    }
  }

  /** The first usable condition found per path, in filter order. */
  static Map<String, List<Range>> of(BsonDocument filter) {
    Map<String, List<Range>> ranges = new LinkedHashMap<>();
    collect(filter, ranges);
    return ranges;
  }

  private static void collect(BsonDocument filter, Map<String, List<Range>> ranges) {
    for (Map.Entry<String, BsonValue> e : filter.entrySet()) {
      if (e.getKey().equals("$and") && e.getValue().isArray()) {
        for (BsonValue clause : e.getValue().asArray()) {
          if (clause.isDocument()) {
            collect(clause.asDocument(), ranges);
          }
        }
      } else if (!e.getKey().startsWith("$") && !ranges.containsKey(e.getKey())) {
        List<Range> field = forCondition(e.getValue());
        if (field != null) {
          ranges.put(e.getKey(), field);
        }
      }
    }
  }

  /** The ranges one field condition allows, or null if it allows values an index lookup cannot find. */
  private static List<Range> forCondition(BsonValue condition) {
    if (!FieldOperators.isOperatorDocument(condition)) {
      return usable(condition) ? List.of(point(condition)) : null;
    }
    BsonDocument operators = condition.asDocument();
    BsonValue eq = operators.get("$eq");
    if (eq != null && usable(eq)) {
      return List.of(point(eq));
    }
    BsonValue in = operators.get("$in");
    if (in != null && in.isArray() && in.asArray().stream().allMatch(KeyRanges::usable)) {
      TreeSet<BsonValue> values = new TreeSet<>(BsonOrder::compare);
      values.addAll(in.asArray().getValues());
      return values.stream().map(KeyRanges::point).toList();
    }
    BsonValue low = usableOrNull(operators.get("$gt"), operators.get("$gte"));
    BsonValue high = usableOrNull(operators.get("$lt"), operators.get("$lte"));
    if (low != null && high != null && BsonOrder.bracket(low) != BsonOrder.bracket(high)) {
      high = null; // the ends see different types: only elements of an array can meet both, so keep one
    }
    return low == null && high == null ? null : List.of(new Range(low, high));
  }

  private static BsonValue usableOrNull(BsonValue exclusive, BsonValue inclusive) {
    BsonValue bound = exclusive != null ? exclusive : inclusive;
    return bound != null && usable(bound) ? BsonValues.copy(bound) : null;
  }

  private static Range point(BsonValue value) {
    BsonValue copy = BsonValues.copy(value);
    return new Range(copy, copy);
  }

  private static boolean usable(BsonValue value) {
    return switch (value.getBsonType()) {
      case NULL, UNDEFINED, ARRAY, REGULAR_EXPRESSION, MIN_KEY, MAX_KEY -> false;
      case DOCUMENT -> !FieldOperators.isOperatorDocument(value);
      default -> true;
    };
  }
}
