package io.sluice.statemachine.engine;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * The query operators that apply to one field ({@code {a: {$gt: 5}}}). Each is one entry in
 * {@link #REGISTRY}: a compiler from (path, argument) to a {@link Matcher}. Adding an operator means
 * adding one entry.
 */
final class FieldOperators {
  private FieldOperators() {}

  /** Compiles one operator's argument for one path. */
  @FunctionalInterface
  interface Compiler {
    Matcher compile(String path, BsonValue argument);
  }

  enum Comparison { EQ, GT, GTE, LT, LTE }

  /** Looked up by name only; its iteration order is never used. */
  private static final Map<String, Compiler> REGISTRY = Map.ofEntries(
      Map.entry("$eq", (path, arg) -> compare(path, Comparison.EQ, arg)),
      Map.entry("$ne", (path, arg) -> compare(path, Comparison.EQ, arg).negate()),
      Map.entry("$gt", (path, arg) -> compare(path, Comparison.GT, arg)),
      Map.entry("$gte", (path, arg) -> compare(path, Comparison.GTE, arg)),
      Map.entry("$lt", (path, arg) -> compare(path, Comparison.LT, arg)),
      Map.entry("$lte", (path, arg) -> compare(path, Comparison.LTE, arg)),
      Map.entry("$in", FieldOperators::in),
      Map.entry("$nin", (path, arg) -> in(path, arg).negate()),
      Map.entry("$exists", FieldOperators::exists),
      Map.entry("$not", FieldOperators::not),
      Map.entry("$size", ArrayMatchers::size),
      Map.entry("$all", ArrayMatchers::all),
      Map.entry("$elemMatch", ArrayMatchers::elemMatch),
      Map.entry("$type", ValueMatchers::type),
      Map.entry("$mod", ValueMatchers::mod));
  /** {@code $regex} and its sibling {@code $options} compile together: {@link RegexMatchers#regex}. */
  private static final List<String> REGEX = List.of("$regex", "$options");

  /** True if the value is an operator document such as {@code {$gt: 1}} rather than a document to compare with. */
  static boolean isOperatorDocument(BsonValue value) {
    if (!value.isDocument() || value.asDocument().isEmpty()) {
      return false;
    }
    String first = value.asDocument().getFirstKey();
    return first.startsWith("$") && !first.equals("$ref") && !first.equals("$id") && !first.equals("$db");
  }

  /** {@code path: value}: equality, or the operators of an operator document, all of which must match. */
  static Matcher field(String path, BsonValue value) {
    if (isOperatorDocument(value)) {
      return operators(path, value.asDocument());
    }
    if (value.isRegularExpression()) {
      return RegexMatchers.matching(path, value.asRegularExpression());
    }
    return compare(path, Comparison.EQ, value);
  }

  static Matcher operators(String path, BsonDocument operators) {
    List<Matcher> all = new ArrayList<>();
    if (operators.containsKey("$regex") || operators.containsKey("$options")) {
      all.add(RegexMatchers.regex(path, operators));
    }
    for (Map.Entry<String, BsonValue> e : operators.entrySet()) {
      if (REGEX.contains(e.getKey())) {
        continue;
      }
      Compiler compiler = REGISTRY.get(e.getKey());
      if (compiler == null) {
        throw new SluiceException(ErrorCode.BAD_VALUE, "unknown operator: " + e.getKey());
      }
      all.add(compiler.compile(path, BsonValues.copy(e.getValue())));
    }
    return Matcher.and(all);
  }

  /** Matches if any value the path offers satisfies the predicate; {@code Optional.empty()} is a missing branch. */
  static Matcher anyCandidate(String path, FieldPath.LeafArrays leafArrays, Predicate<Optional<BsonValue>> predicate) {
    return doc -> {
      for (Optional<BsonValue> candidate : FieldPath.candidates(doc, path, leafArrays)) {
        if (predicate.test(candidate)) {
          return true;
        }
      }
      return false;
    };
  }

  static Matcher compare(String path, Comparison op, BsonValue rhs) {
    return anyCandidate(path, FieldPath.LeafArrays.EXPAND, candidate -> compares(candidate, op, rhs));
  }

  /**
   * One comparison as MongoDB's matcher does it: only values of the same type bracket compare (a
   * missing value counts as null for EQ, GTE and LTE), MinKey and MaxKey bound everything, and NaN
   * equals only NaN.
   */
  static boolean compares(Optional<BsonValue> candidate, Comparison op, BsonValue rhs) {
    if (candidate.isEmpty()) {
      return rhs.isNull() && op != Comparison.GT && op != Comparison.LT;
    }
    BsonValue value = candidate.get();
    if (BsonOrder.bracket(value) != BsonOrder.bracket(rhs)) {
      return switch (rhs.getBsonType()) {
        case MIN_KEY -> op == Comparison.GT || op == Comparison.GTE;
        case MAX_KEY -> op == Comparison.LT || op == Comparison.LTE;
        default -> false;
      };
    }
    if (BsonOrder.isNaN(value) || BsonOrder.isNaN(rhs)) {
      boolean both = BsonOrder.isNaN(value) && BsonOrder.isNaN(rhs);
      return both && op != Comparison.GT && op != Comparison.LT;
    }
    int c = BsonOrder.compare(value, rhs);
    return switch (op) {
      case EQ -> c == 0;
      case GT -> c > 0;
      case GTE -> c >= 0;
      case LT -> c < 0;
      case LTE -> c <= 0;
    };
  }

  private static Matcher in(String path, BsonValue argument) {
    if (!argument.isArray()) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "$in needs an array, got " + BsonValues.typeName(argument)
          + " " + BsonValues.render(argument) + " for field '" + path + "'");
    }
    List<Predicate<Optional<BsonValue>>> equalToAny = new ArrayList<>();
    for (BsonValue value : argument.asArray()) {
      if (isOperatorDocument(value)) {
        throw new SluiceException(ErrorCode.BAD_VALUE, "cannot nest $ under $in: " + BsonValues.render(value));
      }
      if (value.isRegularExpression()) {
        java.util.regex.Pattern pattern = RegexMatchers.compile(path, value.asRegularExpression());
        equalToAny.add(candidate -> RegexMatchers.matches(pattern, value.asRegularExpression(), candidate));
      } else {
        equalToAny.add(candidate -> compares(candidate, Comparison.EQ, value));
      }
    }
    return anyCandidate(path, FieldPath.LeafArrays.EXPAND, candidate -> equalToAny.stream().anyMatch(p -> p.test(candidate)));
  }

  private static Matcher exists(String path, BsonValue argument) {
    Matcher present = anyCandidate(path, FieldPath.LeafArrays.KEEP, Optional::isPresent);
    return truthy(argument) ? present : present.negate();
  }

  /** MongoDB's notion of a true argument: anything but false, zero, null and undefined. */
  static boolean truthy(BsonValue v) {
    return switch (v.getBsonType()) {
      case BOOLEAN -> v.asBoolean().getValue();
      case INT32, INT64 -> v.asNumber().longValue() != 0;
      case DOUBLE -> v.asDouble().getValue() != 0;
      case DECIMAL128 -> !v.asDecimal128().getValue().isFinite() || BsonOrder.exact(v.asDecimal128().getValue()).signum() != 0;
      case NULL, UNDEFINED -> false;
      default -> true;
    };
  }

  private static Matcher not(String path, BsonValue argument) {
    if (argument.isRegularExpression()) {
      return RegexMatchers.matching(path, argument.asRegularExpression()).negate();
    }
    if (!argument.isDocument()) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "$not needs a regex or a document, got " + BsonValues.render(argument)
          + " for field '" + path + "'");
    }
    if (argument.asDocument().isEmpty()) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "$not cannot be empty (field '" + path + "')");
    }
    return operators(path, argument.asDocument()).negate();
  }
}
