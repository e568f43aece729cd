package io.sluice.statemachine.engine;

import java.util.function.Predicate;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * {@code $pull}: removes every element that matches a condition. The condition is a value (an
 * element equal to it goes), an operator document such as {@code {$gte: 6}} (applied to each
 * element), or a query document such as {@code {score: 8, item: 'B'}} (applied to each document
 * element, as if it were a whole document; {@code {}} matches every document element), or a regex.
 * {@code $pullAll} removes the elements equal to any in its array argument.
 */
final class PullOperator implements UpdateOperator {
  /** The name an element is matched under; named in errors about the condition. */
  private static final String VALUE = "(the array element)";

  private final boolean all;

  private PullOperator(boolean all) {
    this.all = all;
  }

  static PullOperator pull() {
    return new PullOperator(false);
  }

  static PullOperator pullAll() {
    return new PullOperator(true);
  }

  @Override
  public void checkArgument(String path, BsonValue argument) {
    condition(argument);
  }

  @Override
  public void apply(BsonDocument doc, String[] path, BsonValue argument, ChangeLog log) {
    Predicate<BsonValue> goes = condition(argument);
    ArrayField.at(doc, path, name()).ifPresent(array -> {
      BsonArray kept = new BsonArray();
      array.stream().filter(goes.negate()).forEach(kept::add);
      ArrayField.replace(doc, path, kept, log);
    });
  }

  private String name() {
    return all ? "$pullAll" : "$pull";
  }

  private Predicate<BsonValue> condition(BsonValue argument) {
    if (all) {
      BsonArray values = ArrayField.elementsOf(argument, "The argument to $pullAll");
      return element -> values.stream().anyMatch(v -> BsonOrder.equal(v, element));
    }
    if (argument.isRegularExpression()) {
      Matcher onValue = RegexMatchers.matching(VALUE, argument.asRegularExpression());
      return element -> onValue.matches(new BsonDocument(VALUE, element));
    }
    if (!argument.isDocument()) {
      return element -> BsonOrder.equal(argument, element);
    }
    BsonDocument query = argument.asDocument();
    if (!query.isEmpty() && isOperatorCondition(query)) {
      Matcher onValue = FieldOperators.operators(VALUE, query);
      return element -> onValue.matches(new BsonDocument(VALUE, element));
    }
    Filter onDocument = Filter.compile(query);
    return element -> element.isDocument() && onDocument.matches(element.asDocument());
  }

  /** {@code {$gte: 6}} rather than a query: its first name is an operator that applies to a value. */
  private static boolean isOperatorCondition(BsonDocument query) {
    String first = query.getFirstKey();
    return first.startsWith("$") && !first.equals("$and") && !first.equals("$or") && !first.equals("$nor") && !first.equals("$expr");
  }
}
