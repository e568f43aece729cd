package io.sluice.statemachine.engine;

import static io.sluice.statemachine.engine.ExpressionOperators.describe;
import static io.sluice.statemachine.engine.ExpressionOperators.exactly;
import static io.sluice.statemachine.engine.ExpressionOperators.named;
import static io.sluice.statemachine.engine.ExpressionOperators.nullish;
import static io.sluice.statemachine.engine.ExpressionOperators.operands;
import static java.util.Map.entry;

import io.sluice.statemachine.engine.ExpressionOperators.OperatorCompiler;
import java.util.List;
import java.util.Map;
import org.bson.BsonDocument;
import org.bson.BsonNull;
import org.bson.BsonString;
import org.bson.BsonValue;

/** Document operators: {@code $objectToArray $arrayToObject $mergeObjects $getField}, and {@code $type}. */
final class ObjectOperators {
  private ObjectOperators() {}

  static final Map<String, OperatorCompiler> OPERATORS = Map.ofEntries(
      entry("$objectToArray", ObjectOperators::objectToArray),
      entry("$arrayToObject", ObjectOperators::arrayToObject),
      entry("$mergeObjects", ObjectOperators::mergeObjects),
      entry("$getField", ObjectOperators::getField),
      entry("$type", (name, args, p) -> {
        Evaluator operand = exactly(name, args, p, 1)[0];
        return vars -> new BsonString(ExpressionOperators.typeName(operand.evaluate(vars)));
      }));

  /** A document as {@code [{k, v}, ...]} in field order; null for null or missing. */
  private static Evaluator objectToArray(String name, BsonValue args, ExpressionParser p) {
    Evaluator operand = exactly(name, args, p, 1)[0];
    return vars -> {
      BsonValue v = operand.evaluate(vars);
      if (nullish(v)) {
        return BsonNull.VALUE;
      }
      if (!v.isDocument()) {
        throw Expression.typeMismatch("$objectToArray requires a document input, found: " + describe(v));
      }
      return ArrayOperators.keyValuePairs(v.asDocument());
    };
  }

  /**
   * An array of {@code [k, v]} pairs or of {@code {k, v}} documents (not mixed) as a document; a
   * repeated name keeps its first position and takes the last value. Null for null or missing.
   */
  private static Evaluator arrayToObject(String name, BsonValue args, ExpressionParser p) {
    Evaluator operand = exactly(name, args, p, 1)[0];
    return vars -> {
      BsonValue v = operand.evaluate(vars);
      if (nullish(v)) {
        return BsonNull.VALUE;
      }
      if (!v.isArray()) {
        throw Expression.typeMismatch("$arrayToObject requires an array input, found: " + describe(v));
      }
      BsonDocument out = new BsonDocument();
      Boolean pairs = null;
      for (BsonValue element : v.asArray()) {
        boolean isPair = element.isArray();
        if (!isPair && !element.isDocument()) {
          throw Expression.typeMismatch("Unrecognised input type format for $arrayToObject: " + describe(element));
        }
        if (pairs != null && pairs != isPair) {
          throw Expression.badValue("$arrayToObject requires a consistent input format. Elements must all be arrays "
              + "or all be objects, found: " + BsonValues.render(v));
        }
        pairs = isPair;
        BsonValue key;
        BsonValue value;
        if (isPair) {
          if (element.asArray().size() != 2) {
            throw Expression.badValue("$arrayToObject requires an array of size 2 arrays, found array of size: "
                + element.asArray().size() + ": " + BsonValues.render(element));
          }
          key = element.asArray().get(0);
          value = element.asArray().get(1);
        } else {
          BsonDocument kv = element.asDocument();
          if (kv.size() != 2 || !kv.containsKey("k") || !kv.containsKey("v")) {
            throw Expression.badValue("$arrayToObject requires an object with keys 'k' and 'v', found: " + BsonValues.render(kv));
          }
          key = kv.get("k");
          value = kv.get("v");
        }
        if (!key.isString()) {
          throw Expression.typeMismatch("$arrayToObject requires a string as the key, found: " + describe(key));
        }
        if (key.asString().getValue().indexOf('\0') >= 0) {
          throw Expression.badValue("$arrayToObject: a key must not contain an embedded null byte: " + BsonValues.render(key));
        }
        out.put(key.asString().getValue(), value);
      }
      return out;
    };
  }

  /** The documents merged left to right (later fields win, first positions kept); null and missing are skipped. */
  private static Evaluator mergeObjects(String name, BsonValue args, ExpressionParser p) {
    Evaluator[] operands = operands(name, args, p);
    return vars -> {
      BsonDocument out = new BsonDocument();
      for (int i = 0; i < operands.length; i++) {
        BsonValue v = operands[i].evaluate(vars);
        if (nullish(v)) {
          continue;
        }
        if (!v.isDocument()) {
          throw Expression.typeMismatch("$mergeObjects requires object inputs, but input " + i + " is " + describe(v));
        }
        out.putAll(v.asDocument());
      }
      return out;
    };
  }

  /**
   * {@code {field, input}} or the shorthand {@code {$getField: field}} (input {@code $$CURRENT}): the
   * field of that exact name, dots and dollars included; missing if the input is null, missing or lacks it.
   */
  private static Evaluator getField(String name, BsonValue args, ExpressionParser p) {
    BsonValue fieldSpec = args;
    Evaluator input = vars -> vars.root();
    if (args.isDocument() && args.asDocument().containsKey("field")) {
      BsonDocument d = named(name, args, List.of("field", "input"), List.of("field"));
      fieldSpec = d.get("field");
      if (d.containsKey("input")) {
        input = p.parse(d.get("input"));
      }
    }
    if (!(p.parse(fieldSpec) instanceof Evaluator.Constant constant) || constant.value() == null
        || !constant.value().isString()) {
      throw Expression.badValue("$getField requires 'field' to evaluate to a constant string, found: "
          + BsonValues.render(fieldSpec));
    }
    String field = constant.value().asString().getValue();
    Evaluator from = input;
    return vars -> {
      BsonValue v = from.evaluate(vars);
      if (nullish(v)) {
        return null;
      }
      if (!v.isDocument()) {
        throw Expression.typeMismatch("$getField requires 'input' to evaluate to type Object, found: " + describe(v));
      }
      return v.asDocument().get(field);
    };
  }
}
