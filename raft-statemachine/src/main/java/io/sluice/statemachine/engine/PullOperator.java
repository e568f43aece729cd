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
  public Action prepare(String path, BsonValue argument) {
    Predicate<BsonValue> goes = condition(argument);
    return (doc, at, log) -> ArrayField.at(doc, at, name()).ifPresent(array -> {
      BsonArray kept = new BsonArray();
      array.stream().filter(goes.negate()).forEach(kept::add);
      ArrayField.replace(doc, at, kept, log);
    });
  }

  @Override
  public void apply(BsonDocument doc, String[] path, BsonValue argument, ChangeLog log) {
    prepare(String.join(".", path), argument).apply(doc, path, log);
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
      Matcher onValue = RegexMatchers.matching(ArrayMatchers.ELEMENT, argument.asRegularExpression());
      return element -> onValue.matches(new BsonDocument(ArrayMatchers.ELEMENT, element));
    }
    return argument.isDocument() ? ArrayMatchers.elementCondition(argument.asDocument()) : element -> BsonOrder.equal(argument, element);
  }
}
