package io.sluice.statemachine.engine;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.bson.BsonDocument;
import org.bson.BsonNull;
import org.bson.BsonValue;

/**
 * {@code $group}: documents with the same {@code _id} expression value (BSON equality, so 1 and 1.0
 * are one group, and missing is null) become one output document {@code {_id, <field>: <accumulator
 * result>...}}. Groups come out in the order their first document came in.
 */
final class GroupStage implements Aggregation.Stage {
  private record Output(String field, Supplier<Accumulators.Accumulator> accumulator, Expression argument) {}

  private final Expression id;
  private final List<Output> outputs;

  private GroupStage(Expression id, List<Output> outputs) {
    this.id = id;
    this.outputs = outputs;
  }

  static GroupStage compile(String name, BsonValue spec) {
    BsonDocument fields = PipelineStages.document(name, spec, "a group's fields must be specified in an object");
    if (!fields.containsKey("_id")) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "a group specification must include an _id");
    }
    List<Output> outputs = new ArrayList<>();
    for (Map.Entry<String, BsonValue> e : fields.entrySet()) {
      if (!e.getKey().equals("_id")) {
        outputs.add(output(e.getKey(), e.getValue()));
      }
    }
    return new GroupStage(Expression.compile(fields.get("_id")), List.copyOf(outputs));
  }

  private static Output output(String field, BsonValue spec) {
    if (field.isEmpty()) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "the group aggregate field name must not be empty");
    }
    if (field.contains(".")) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "the group aggregate field name '" + field + "' cannot contain '.'");
    }
    if (field.startsWith("$")) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "the group aggregate field name '" + field + "' cannot be an operator name");
    }
    if (!spec.isDocument()) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "The field '" + field + "' must be an accumulator object, found: "
          + BsonValues.typeName(spec) + " " + BsonValues.render(spec));
    }
    BsonDocument accumulator = spec.asDocument();
    if (accumulator.size() != 1) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "The field '" + field + "' must specify one accumulator, found: "
          + BsonValues.render(accumulator));
    }
    String operator = accumulator.getFirstKey();
    Supplier<Accumulators.Accumulator> supplier = Accumulators.BY_NAME.get(operator);
    if (supplier == null) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "unknown group operator '" + operator + "'; Sluice's are "
          + new java.util.TreeSet<>(Accumulators.BY_NAME.keySet()));
    }
    BsonValue argument = accumulator.get(operator);
    if (operator.equals("$count")) {
      if (!argument.isDocument() || !argument.asDocument().isEmpty()) {
        throw new SluiceException(ErrorCode.BAD_VALUE, "$count takes no arguments, i.e. $count:{}, found: " + BsonValues.render(argument));
      }
      return new Output(field, supplier, null);
    }
    if (argument.isArray()) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "The " + operator + " accumulator is a unary operator (in field '" + field + "')");
    }
    return new Output(field, supplier, Expression.compile(argument));
  }

  @Override
  public List<BsonDocument> apply(List<BsonDocument> docs) {
    TreeMap<BsonValue, Accumulators.Accumulator[]> groups = new TreeMap<>(BsonOrder::compare);
    List<BsonValue> order = new ArrayList<>();
    for (BsonDocument doc : docs) {
      BsonValue key = id.evaluate(doc);
      Accumulators.Accumulator[] state = groups.get(key);
      if (state == null) {
        state = outputs.stream().map(o -> o.accumulator().get()).toArray(Accumulators.Accumulator[]::new);
        groups.put(key, state);
        order.add(key);
      }
      for (int i = 0; i < state.length; i++) {
        Expression argument = outputs.get(i).argument();
        state[i].add(argument == null ? BsonNull.VALUE : argument.evaluateOrMissing(doc));
      }
    }
    List<BsonDocument> out = new ArrayList<>(order.size());
    for (BsonValue key : order) {
      BsonDocument group = new BsonDocument("_id", key);
      Accumulators.Accumulator[] state = groups.get(key);
      for (int i = 0; i < state.length; i++) {
        group.append(outputs.get(i).field(), state[i].result());
      }
      out.add(group);
    }
    return out;
  }
}
