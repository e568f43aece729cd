package io.sluice.statemachine.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bson.BsonDocument;
import org.bson.BsonType;
import org.bson.BsonValue;

/**
 * The registry of aggregation expression operators, by name, and the helpers they share. Each group
 * ({@link LogicOperators}, {@link ArithmeticOperators}, {@link StringOperators},
 * {@link ArrayOperators}, {@link ObjectOperators}) lists its operators in an {@code OPERATORS} map,
 * one entry per operator: adding an operator means adding one entry there.
 */
final class ExpressionOperators {
  private ExpressionOperators() {}

  /** Compiles the arguments of one {@code {$operator: arguments}}; {@code parser} parses nested expressions. */
  @FunctionalInterface
  interface OperatorCompiler {
    Evaluator compile(String name, BsonValue arguments, ExpressionParser parser);
  }

  /** Sorted, so listing it is deterministic; a name registered twice fails class initialisation. */
  private static final Map<String, OperatorCompiler> REGISTRY = merge(List.of(LogicOperators.OPERATORS,
      ArithmeticOperators.OPERATORS, StringOperators.OPERATORS, ArrayOperators.OPERATORS, ObjectOperators.OPERATORS));

  private static Map<String, OperatorCompiler> merge(List<Map<String, OperatorCompiler>> groups) {
    TreeMap<String, OperatorCompiler> all = new TreeMap<>();
    for (Map<String, OperatorCompiler> group : groups) {
      for (Map.Entry<String, OperatorCompiler> e : group.entrySet()) {
        if (all.put(e.getKey(), e.getValue()) != null) {
          throw new IllegalStateException("expression operator registered twice: " + e.getKey());
        }
      }
    }
    return java.util.Collections.unmodifiableMap(all);
  }

  /** The compiler of the operator, or null if there is none. */
  static OperatorCompiler find(String name) {
    return REGISTRY.get(name);
  }

  /** All operator names, sorted. */
  static List<String> names() {
    return List.copyOf(REGISTRY.keySet());
  }

  // ---- arguments ----

  /** The operands of an operator that takes a list: an array is the list, anything else is one operand. */
  static Evaluator[] operands(String name, BsonValue args, ExpressionParser parser) {
    List<Evaluator> out = new ArrayList<>();
    if (args.isArray()) {
      for (BsonValue arg : args.asArray()) {
        out.add(parser.parse(arg));
      }
    } else {
      out.add(parser.parse(args));
    }
    return out.toArray(new Evaluator[0]);
  }

  /** Exactly {@code n} operands, else BAD_VALUE as MongoDB words it. */
  static Evaluator[] exactly(String name, BsonValue args, ExpressionParser parser, int n) {
    Evaluator[] operands = operands(name, args, parser);
    if (operands.length != n) {
      throw Expression.badValue("Expression " + name + " takes exactly " + n + " arguments. " + operands.length
          + " were passed in.");
    }
    return operands;
  }

  /** Between {@code min} and {@code max} operands. */
  static Evaluator[] between(String name, BsonValue args, ExpressionParser parser, int min, int max) {
    Evaluator[] operands = operands(name, args, parser);
    if (operands.length < min || operands.length > max) {
      throw Expression.badValue("Expression " + name + " takes at least " + min + " arguments, and at most " + max
          + ". " + operands.length + " were passed in.");
    }
    return operands;
  }

  /**
   * The named arguments of an operator such as {@code {$map: {input, as, in}}}: a document whose keys
   * are all in {@code allowed} and which has every key in {@code required}.
   */
  static BsonDocument named(String name, BsonValue args, List<String> allowed, List<String> required) {
    if (!args.isDocument()) {
      throw Expression.badValue(name + " only supports an object as its argument, found: " + describe(args));
    }
    BsonDocument doc = args.asDocument();
    for (String key : doc.keySet()) {
      if (!allowed.contains(key)) {
        throw Expression.badValue(name + " found an unknown argument: " + key);
      }
    }
    for (String key : required) {
      if (!doc.containsKey(key)) {
        throw Expression.badValue(name + " requires '" + key + "' to be specified, found: " + BsonValues.render(doc));
      }
    }
    return doc;
  }

  // ---- values ----

  /** Missing, null or undefined: what most operators answer with null. */
  static boolean nullish(BsonValue v) {
    return v == null || v.isNull() || v.getBsonType() == BsonType.UNDEFINED;
  }

  /** MongoDB's truthiness in expressions: false, null, undefined, zero and missing are false. */
  static boolean truthy(BsonValue v) {
    return v != null && FieldOperators.truthy(v);
  }

  /** The type alias, "missing" for missing. */
  static String typeName(BsonValue v) {
    return v == null ? "missing" : BsonValues.typeName(v);
  }

  /** The type and value for messages, e.g. {@code string "x"}; just "missing" for missing. */
  static String describe(BsonValue v) {
    return v == null ? "missing" : BsonValues.typeName(v) + " " + BsonValues.render(v);
  }

  /**
   * MongoDB's order of values in expressions: {@link BsonOrder}, except that missing (and undefined)
   * sorts after MinKey and before null, and equals only missing and undefined.
   */
  static int compare(BsonValue a, BsonValue b) {
    int ka = compareClass(a);
    int kb = compareClass(b);
    if (ka != kb) {
      return Integer.compare(ka, kb);
    }
    return ka == 2 ? BsonOrder.compare(a, b) : 0;
  }

  private static int compareClass(BsonValue v) {
    if (v == null || v.getBsonType() == BsonType.UNDEFINED) {
      return 1;
    }
    return v.getBsonType() == BsonType.MIN_KEY ? 0 : 2;
  }

  /** The value as an int, if it is a number with an integral value that fits in 32 bits; else null. */
  static Integer int32(BsonValue v) {
    Long l = BsonValues.exactLong(v);
    return l != null && l == l.intValue() ? l.intValue() : null;
  }
}
