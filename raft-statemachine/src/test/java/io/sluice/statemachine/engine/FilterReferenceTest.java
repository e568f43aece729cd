package io.sluice.statemachine.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import org.bson.BsonArray;
import org.bson.BsonBoolean;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonNull;
import org.bson.BsonString;
import org.bson.BsonType;
import org.bson.BsonValue;

/**
 * {@link Filter} against a deliberately simple reference evaluator of MongoDB's comparison and
 * membership operators on dotted paths, written from the manual rather than from the engine: random
 * documents (nested documents and arrays), random conditions, the same answer. Where the manual
 * leaves a case open (a dotted path through an array of scalars), the reference abstains.
 */
class FilterReferenceTest {
  private static final List<String> PATHS = List.of("a", "b", "a.b", "b.c", "a.b.c");
  private static final List<String> NAMES = List.of("a", "b", "c");
  private static final List<String> OPERATORS = List.of("$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exists");

  @Property(tries = 2_000)
  void filterAgreesWithTheReference(@ForAll("documents") BsonDocument doc, @ForAll("paths") String path,
      @ForAll("operators") String operator, @ForAll("arguments") BsonValue argument) {
    BsonValue arg = switch (operator) {
      case "$in", "$nin" -> argument.isArray() ? argument : new BsonArray(List.of(argument));
      case "$exists" -> BsonBoolean.valueOf(argument.isNumber());
      default -> argument;
    };
    Optional<Boolean> expected = Reference.matches(doc, path, operator, arg);
    Statistics.label("reference").collect(expected.map(String::valueOf).orElse("abstained"));
    expected.ifPresent(e -> assertThat(Filter.compile(new BsonDocument(path, new BsonDocument(operator, arg))).matches(doc))
        .as("%s: {%s: %s} on %s", path, operator, arg, doc).isEqualTo(e));
  }

  /** The reference: candidates at a path, then one plain rule per operator. */
  private static final class Reference {
    /** Marks a branch of the path that ends at a missing field. */
    private static final BsonValue MISSING = new BsonString("<missing>");

    static Optional<Boolean> matches(BsonDocument doc, String path, String operator, BsonValue arg) {
      List<BsonValue> candidates = new ArrayList<>();
      boolean ordering = operator.startsWith("$g") || operator.startsWith("$l");
      if (!collect(doc, path.split("\\."), 0, candidates) || (ordering && arg.isArray())) {
        return Optional.empty();
      }
      return Optional.of(switch (operator) {
        case "$eq" -> anyEquals(candidates, arg);
        case "$ne" -> !anyEquals(candidates, arg);
        case "$in" -> arg.asArray().stream().anyMatch(v -> anyEquals(candidates, v));
        case "$nin" -> arg.asArray().stream().noneMatch(v -> anyEquals(candidates, v));
        case "$exists" -> candidates.stream().anyMatch(c -> c != MISSING) == arg.asBoolean().getValue();
        default -> compares(candidates, operator, arg);
      });
    }

    /** The values at the path, MISSING where it ends; false if the path meets an array of non-documents with path left. */
    private static boolean collect(BsonValue value, String[] parts, int i, List<BsonValue> out) {
      if (i == parts.length) {
        out.add(value);
        if (value.isArray()) {
          out.addAll(value.asArray().getValues());
        }
        return true;
      }
      if (value.isDocument()) {
        BsonValue child = value.asDocument().get(parts[i]);
        if (child == null) {
          out.add(MISSING);
          return true;
        }
        return collect(child, parts, i + 1, out);
      }
      if (value.isArray()) {
        for (BsonValue element : value.asArray()) {
          if (!element.isDocument() || !collect(element, parts, i, out)) {
            return false;
          }
        }
        return true;
      }
      out.add(MISSING);
      return true;
    }

    /** Equality: null also matches a missing field; numbers compare by value across types. */
    private static boolean anyEquals(List<BsonValue> candidates, BsonValue arg) {
      for (BsonValue c : candidates) {
        if (c == MISSING ? arg.isNull() : sameValue(c, arg)) {
          return true;
        }
      }
      return false;
    }

    private static boolean sameValue(BsonValue a, BsonValue b) {
      if (isNumber(a) && isNumber(b)) {
        return a.asNumber().doubleValue() == b.asNumber().doubleValue();
      }
      if (a.isArray() && b.isArray()) {
        List<BsonValue> x = a.asArray().getValues();
        List<BsonValue> y = b.asArray().getValues();
        if (x.size() != y.size()) {
          return false;
        }
        for (int i = 0; i < x.size(); i++) {
          if (!sameValue(x.get(i), y.get(i))) {
            return false;
          }
        }
        return true;
      }
      return a.equals(b);
    }

    /** Ordering operators compare numbers with numbers and strings with strings only; null is only equal to null. */
    private static boolean compares(List<BsonValue> candidates, String operator, BsonValue arg) {
      if (arg.isNull()) {
        return (operator.equals("$gte") || operator.equals("$lte")) && anyEquals(candidates, arg);
      }
      for (BsonValue c : candidates) {
        Integer order = null;
        if (c != MISSING && isNumber(c) && isNumber(arg)) {
          order = Double.compare(c.asNumber().doubleValue(), arg.asNumber().doubleValue());
        } else if (c != MISSING && c.isString() && arg.isString()) {
          order = Integer.signum(c.asString().getValue().compareTo(arg.asString().getValue()));
        } else if (c != MISSING && c.isBoolean() && arg.isBoolean()) {
          order = Boolean.compare(c.asBoolean().getValue(), arg.asBoolean().getValue());
        }
        if (order != null && switch (operator) {
          case "$gt" -> order > 0;
          case "$gte" -> order >= 0;
          case "$lt" -> order < 0;
          default -> order <= 0;
        }) {
          return true;
        }
      }
      return false;
    }

    private static boolean isNumber(BsonValue v) {
      return v.getBsonType() == BsonType.INT32 || v.getBsonType() == BsonType.INT64 || v.getBsonType() == BsonType.DOUBLE;
    }
  }

  private static Arbitrary<BsonValue> scalars() {
    return Arbitraries.oneOf(
        Arbitraries.integers().between(-2, 2).map(i -> (BsonValue) new BsonInt32(i)),
        Arbitraries.longs().between(-2, 2).map(l -> (BsonValue) new BsonInt64(l)),
        Arbitraries.of(-1.5, 0.0, 1.0, 2.5).map(d -> (BsonValue) new BsonDouble(d)),
        Arbitraries.of("", "a", "b", "ab").map(s -> (BsonValue) new BsonString(s)),
        Arbitraries.<BsonValue>of(BsonNull.VALUE, BsonBoolean.TRUE, BsonBoolean.FALSE));
  }

  @Provide
  Arbitrary<BsonDocument> documents() {
    return BsonArbitraries.documentsOf(BsonArbitraries.nested(scalars(), NAMES, 3), NAMES);
  }

  @Provide
  Arbitrary<String> paths() {
    return Arbitraries.of(PATHS);
  }

  @Provide
  Arbitrary<String> operators() {
    return Arbitraries.of(OPERATORS);
  }

  @Provide
  Arbitrary<BsonValue> arguments() {
    return Arbitraries.oneOf(scalars(), scalars().list().ofMaxSize(2).map(l -> (BsonValue) new BsonArray(l)));
  }
}
