package io.sluice.statemachine.engine;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/** The query operators on arrays: {@code $size}, {@code $all} and {@code $elemMatch}. */
final class ArrayMatchers {
  /** The name an element is matched under; errors about its condition name it. */
  static final String ELEMENT = "(the array element)";

  private ArrayMatchers() {}

  /** {@code $size: n}: the field is an array of exactly n elements. */
  static Matcher size(String path, BsonValue argument) {
    if (!BsonValues.isNumber(argument) || !BsonOrder.equal(argument, new org.bson.BsonInt64(argument.asNumber().longValue()))) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "$size needs a whole number, not " + BsonValues.render(argument)
          + " (field '" + path + "')");
    }
    long size = argument.asNumber().longValue();
    if (size < 0) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "$size may not be negative: " + size + " (field '" + path + "')");
    }
    return anArray(path, array -> array.size() == size);
  }

  /** {@code $all: [v, ...]}: the field holds every value (an element equal to it, or itself equal); nothing matches an empty list. */
  static Matcher all(String path, BsonValue argument) {
    if (!argument.isArray()) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "$all needs an array, not " + BsonValues.render(argument) + " (field '" + path + "')");
    }
    if (argument.asArray().isEmpty()) {
      return doc -> false;
    }
    List<Matcher> each = new ArrayList<>();
    for (BsonValue value : argument.asArray()) {
      if (value.isDocument() && value.asDocument().size() == 1 && value.asDocument().containsKey("$elemMatch")) {
        each.add(elemMatch(path, value.asDocument().get("$elemMatch")));
      } else if (FieldOperators.isOperatorDocument(value)) {
        throw new SluiceException(ErrorCode.BAD_VALUE, "no $ expressions in $all but $elemMatch: " + BsonValues.render(value));
      } else {
        each.add(FieldOperators.field(path, value));
      }
    }
    return Matcher.and(each);
  }

  /**
   * {@code $elemMatch}: some element of the array satisfies every condition: operators on the element
   * ({@code {$gte: 80, $lt: 85}}), or a query on a document element ({@code {product: 'xyz', score: {$gte: 8}}}).
   */
  static Matcher elemMatch(String path, BsonValue argument) {
    if (!argument.isDocument()) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "$elemMatch needs an object, not " + BsonValues.render(argument)
          + " (field '" + path + "')");
    }
    Predicate<BsonValue> element = elementCondition(argument.asDocument());
    return anArray(path, array -> array.stream().anyMatch(element));
  }

  /**
   * An array element's condition, as {@code $elemMatch} and {@code $pull} take it: operators that
   * apply to the element itself ({@code {$gte: 6}}), or a query on a document element
   * ({@code {score: 8}}, {@code {$or: [...]}}; {@code {}} matches any document element).
   */
  static Predicate<BsonValue> elementCondition(BsonDocument conditions) {
    if (FieldOperators.isOperatorDocument(conditions) && !List.of("$and", "$or", "$nor", "$expr").contains(conditions.getFirstKey())) {
      Matcher onValue = FieldOperators.operators(ELEMENT, conditions);
      return e -> onValue.matches(new BsonDocument(ELEMENT, e));
    }
    Filter onDocument = Filter.compile(conditions);
    return e -> e.isDocument() && onDocument.matches(e.asDocument());
  }

  private static Matcher anArray(String path, Predicate<org.bson.BsonArray> test) {
    return FieldOperators.anyCandidate(path, FieldPath.LeafArrays.KEEP,
        candidate -> candidate.isPresent() && candidate.get().isArray() && test.test(candidate.get().asArray()));
  }
}
