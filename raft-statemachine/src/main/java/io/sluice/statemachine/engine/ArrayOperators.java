package io.sluice.statemachine.engine;

import static io.sluice.statemachine.engine.ExpressionOperators.compare;
import static io.sluice.statemachine.engine.ExpressionOperators.describe;
import static io.sluice.statemachine.engine.ExpressionOperators.exactly;
import static io.sluice.statemachine.engine.ExpressionOperators.int32;
import static io.sluice.statemachine.engine.ExpressionOperators.named;
import static io.sluice.statemachine.engine.ExpressionOperators.nullish;
import static io.sluice.statemachine.engine.ExpressionOperators.truthy;
import static java.util.Map.entry;

import io.sluice.statemachine.engine.ExpressionOperators.OperatorCompiler;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bson.BsonArray;
import org.bson.BsonBoolean;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonNull;
import org.bson.BsonString;
import org.bson.BsonValue;

/**
 * Array operators: {@code $size $arrayElemAt $in $map $filter $reduce $anyElementTrue $allElementsTrue}.
 * Extensions, so that pipelines written for MongoDB change streams work on every event type:
 * {@code $map} and {@code $filter} iterate a document input as {@code $objectToArray} would, and
 * {@code $anyElementTrue}/{@code $allElementsTrue} read a null or missing argument as an empty array
 * (MongoDB fails: a {@code replace} event has no {@code updateDescription} to map over).
 */
final class ArrayOperators {
  private ArrayOperators() {}

  static final Map<String, OperatorCompiler> OPERATORS = Map.ofEntries(
      entry("$size", ArrayOperators::size),
      entry("$arrayElemAt", ArrayOperators::arrayElemAt),
      entry("$in", ArrayOperators::in),
      entry("$map", ArrayOperators::map),
      entry("$filter", ArrayOperators::filter),
      entry("$reduce", ArrayOperators::reduce),
      entry("$anyElementTrue", (name, args, p) -> elementsTrue(name, args, p, true)),
      entry("$allElementsTrue", (name, args, p) -> elementsTrue(name, args, p, false)));

  private static Evaluator size(String name, BsonValue args, ExpressionParser p) {
    Evaluator operand = exactly(name, args, p, 1)[0];
    return vars -> {
      BsonValue v = operand.evaluate(vars);
      if (v == null || !v.isArray()) {
        throw Expression.typeMismatch("The argument to $size must be an array. Type of argument is " + describe(v));
      }
      return new BsonInt32(v.asArray().size());
    };
  }

  /** {@code [array, index]}; a negative index counts from the end; out of range is missing; null if either is null. */
  private static Evaluator arrayElemAt(String name, BsonValue args, ExpressionParser p) {
    Evaluator[] a = exactly(name, args, p, 2);
    return vars -> {
      BsonValue array = a[0].evaluate(vars);
      BsonValue index = a[1].evaluate(vars);
      if (nullish(array) || nullish(index)) {
        return BsonNull.VALUE;
      }
      if (!array.isArray()) {
        throw Expression.typeMismatch("$arrayElemAt's first argument must be an array, but is " + describe(array));
      }
      if (!BsonValues.isNumber(index)) {
        throw Expression.typeMismatch("$arrayElemAt's second argument must be a numeric value, but is " + describe(index));
      }
      Integer i = int32(index);
      if (i == null) {
        throw Expression.badValue("$arrayElemAt's second argument must be representable as a 32-bit integral value: "
            + BsonValues.render(index));
      }
      List<BsonValue> values = array.asArray().getValues();
      int at = i < 0 ? values.size() + i : i;
      return at >= 0 && at < values.size() ? values.get(at) : null;
    };
  }

  /** {@code [value, array]}: true if an element equals the value (1, 1L and 1.0 are equal). */
  private static Evaluator in(String name, BsonValue args, ExpressionParser p) {
    Evaluator[] a = exactly(name, args, p, 2);
    return vars -> {
      BsonValue value = a[0].evaluate(vars);
      BsonValue array = a[1].evaluate(vars);
      if (array == null || !array.isArray()) {
        throw Expression.typeMismatch("$in requires an array as a second argument, found: " + describe(array));
      }
      for (BsonValue element : array.asArray()) {
        if (compare(value, element) == 0) {
          return BsonBoolean.TRUE;
        }
      }
      return BsonBoolean.FALSE;
    };
  }

  /** {@code {input, as, in}}: the array of {@code in} for each element (missing results become null). */
  private static Evaluator map(String name, BsonValue args, ExpressionParser p) {
    BsonDocument d = named(name, args, List.of("input", "as", "in"), List.of("input", "in"));
    Evaluator input = p.parse(d.get("input"));
    String as = variableName(name, d);
    Evaluator in = p.with(as).parse(d.get("in"));
    return vars -> {
      BsonValue v = input.evaluate(vars);
      if (nullish(v)) {
        return BsonNull.VALUE;
      }
      BsonArray out = new BsonArray();
      for (BsonValue element : elements(name, v)) {
        BsonValue mapped = in.evaluate(vars.bind(as, element));
        out.add(mapped == null ? BsonNull.VALUE : mapped);
      }
      return out;
    };
  }

  /** {@code {input, as, cond, limit}}: the elements for which {@code cond} is true, at most {@code limit} of them. */
  private static Evaluator filter(String name, BsonValue args, ExpressionParser p) {
    BsonDocument d = named(name, args, List.of("input", "as", "cond", "limit"), List.of("input", "cond"));
    Evaluator input = p.parse(d.get("input"));
    String as = variableName(name, d);
    Evaluator cond = p.with(as).parse(d.get("cond"));
    Evaluator limit = d.containsKey("limit") ? p.parse(d.get("limit")) : Evaluator.constant(null);
    return vars -> {
      BsonValue v = input.evaluate(vars);
      if (nullish(v)) {
        return BsonNull.VALUE;
      }
      BsonArray elements = elements(name, v);
      int max = limit(limit.evaluate(vars));
      BsonArray out = new BsonArray();
      for (BsonValue element : elements) {
        if (out.size() >= max) {
          break;
        }
        if (truthy(cond.evaluate(vars.bind(as, element)))) {
          out.add(element);
        }
      }
      return out;
    };
  }

  private static int limit(BsonValue v) {
    if (nullish(v)) {
      return Integer.MAX_VALUE;
    }
    Integer limit = int32(v);
    if (limit == null) {
      throw Expression.typeMismatch("$filter: limit must be represented as a 32-bit integral value, found: " + describe(v));
    }
    if (limit < 1) {
      throw Expression.badValue("$filter: limit must be greater than 0: " + limit);
    }
    return limit;
  }

  /** {@code {input, initialValue, in}} with {@code $$value} (the accumulator) and {@code $$this} bound. */
  private static Evaluator reduce(String name, BsonValue args, ExpressionParser p) {
    List<String> keys = List.of("input", "initialValue", "in");
    BsonDocument d = named(name, args, keys, keys);
    Evaluator input = p.parse(d.get("input"));
    Evaluator initial = p.parse(d.get("initialValue"));
    Evaluator in = p.with("value", "this").parse(d.get("in"));
    return vars -> {
      BsonValue v = input.evaluate(vars);
      if (nullish(v)) {
        return BsonNull.VALUE;
      }
      if (!v.isArray()) {
        throw Expression.typeMismatch("$reduce requires that 'input' be an array, found: " + describe(v));
      }
      BsonValue accumulator = initial.evaluate(vars);
      for (BsonValue element : v.asArray()) {
        accumulator = in.evaluate(vars.bind("value", accumulator).bind("this", element));
      }
      return accumulator;
    };
  }

  /** One operand, an array: whether any (all) of its elements is true; an error for anything else, null too. */
  private static Evaluator elementsTrue(String name, BsonValue args, ExpressionParser p, boolean any) {
    Evaluator operand = exactly(name, args, p, 1)[0];
    return vars -> {
      BsonValue v = operand.evaluate(vars);
      if (v == null || v.isNull()) {
        return BsonBoolean.valueOf(!any);
      }
      if (!v.isArray()) {
        throw Expression.typeMismatch(name + "'s argument must be an array, but is " + describe(v));
      }
      for (BsonValue element : v.asArray()) {
        if (truthy(element) == any) {
          return BsonBoolean.valueOf(any);
        }
      }
      return BsonBoolean.valueOf(!any);
    };
  }

  private static String variableName(String name, BsonDocument d) {
    BsonValue as = d.get("as");
    if (as == null) {
      return "this";
    }
    if (!as.isString()) {
      throw Expression.badValue(name + ": 'as' must be a string naming a variable, found: " + describe(as));
    }
    return Variables.checkUserName(as.asString().getValue(), name);
  }

  /** The elements to iterate: an array's, or (the extension) a document's as {@code {k, v}} pairs. */
  private static BsonArray elements(String name, BsonValue input) {
    if (input.isArray()) {
      return input.asArray();
    }
    if (input.isDocument()) {
      return keyValuePairs(input.asDocument());
    }
    throw Expression.typeMismatch("input to " + name + " must be an array (or a document), not " + describe(input));
  }

  /** {@code [{k: name, v: value}, ...]} in field order, as {@code $objectToArray} gives. */
  static BsonArray keyValuePairs(BsonDocument doc) {
    BsonArray out = new BsonArray(new ArrayList<>(doc.size()));
    for (Map.Entry<String, BsonValue> e : doc.entrySet()) {
      out.add(new BsonDocument("k", new BsonString(e.getKey())).append("v", e.getValue()));
    }
    return out;
  }
}
