package io.sluice.statemachine.engine;

import static io.sluice.statemachine.engine.ExpressionOperators.compare;
import static io.sluice.statemachine.engine.ExpressionOperators.exactly;
import static io.sluice.statemachine.engine.ExpressionOperators.named;
import static io.sluice.statemachine.engine.ExpressionOperators.nullish;
import static io.sluice.statemachine.engine.ExpressionOperators.operands;
import static io.sluice.statemachine.engine.ExpressionOperators.truthy;
import static java.util.Map.entry;

import io.sluice.statemachine.engine.ExpressionOperators.OperatorCompiler;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;
import org.bson.BsonBoolean;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonValue;

/** Comparison ({@code $eq ... $cmp}), boolean ({@code $and $or $not}) and conditional operators, {@code $literal}, {@code $let}. */
final class LogicOperators {
  private LogicOperators() {}

  static final Map<String, OperatorCompiler> OPERATORS = Map.ofEntries(
      entry("$literal", (name, args, p) -> Evaluator.constant(BsonValues.copy(args))),
      entry("$eq", comparison(c -> c == 0)),
      entry("$ne", comparison(c -> c != 0)),
      entry("$gt", comparison(c -> c > 0)),
      entry("$gte", comparison(c -> c >= 0)),
      entry("$lt", comparison(c -> c < 0)),
      entry("$lte", comparison(c -> c <= 0)),
      entry("$cmp", LogicOperators::cmp),
      entry("$and", (name, args, p) -> shortCircuit(operands(name, args, p), false)),
      entry("$or", (name, args, p) -> shortCircuit(operands(name, args, p), true)),
      entry("$not", LogicOperators::not),
      entry("$cond", LogicOperators::cond),
      entry("$switch", LogicOperators::switchOf),
      entry("$ifNull", LogicOperators::ifNull),
      entry("$let", LogicOperators::let));

  /** {@code [a, b]} compared in MongoDB's order (missing below null); no array element matching. */
  private static OperatorCompiler comparison(IntPredicate test) {
    return (name, args, p) -> {
      Evaluator[] ab = exactly(name, args, p, 2);
      return vars -> BsonBoolean.valueOf(test.test(compare(ab[0].evaluate(vars), ab[1].evaluate(vars))));
    };
  }

  private static Evaluator cmp(String name, BsonValue args, ExpressionParser p) {
    Evaluator[] ab = exactly(name, args, p, 2);
    return vars -> new BsonInt32(Integer.signum(compare(ab[0].evaluate(vars), ab[1].evaluate(vars))));
  }

  /** {@code $and} (stops at the first false operand) and {@code $or} (stops at the first true one). */
  private static Evaluator shortCircuit(Evaluator[] operands, boolean stopAt) {
    return vars -> {
      for (Evaluator operand : operands) {
        if (truthy(operand.evaluate(vars)) == stopAt) {
          return BsonBoolean.valueOf(stopAt);
        }
      }
      return BsonBoolean.valueOf(!stopAt);
    };
  }

  private static Evaluator not(String name, BsonValue args, ExpressionParser p) {
    Evaluator operand = exactly(name, args, p, 1)[0];
    return vars -> BsonBoolean.valueOf(!truthy(operand.evaluate(vars)));
  }

  /** {@code [if, then, else]} or {@code {if, then, else}}; only the chosen branch is evaluated. */
  private static Evaluator cond(String name, BsonValue args, ExpressionParser p) {
    Evaluator[] ite;
    if (args.isDocument()) {
      List<String> keys = List.of("if", "then", "else");
      BsonDocument d = named(name, args, keys, keys);
      ite = new Evaluator[] {p.parse(d.get("if")), p.parse(d.get("then")), p.parse(d.get("else"))};
    } else {
      ite = exactly(name, args, p, 3);
    }
    return vars -> truthy(ite[0].evaluate(vars)) ? ite[1].evaluate(vars) : ite[2].evaluate(vars);
  }

  /** {@code {branches: [{case, then}...], default}}: the first true case's then, else default, else an error. */
  private static Evaluator switchOf(String name, BsonValue args, ExpressionParser p) {
    BsonDocument d = named(name, args, List.of("branches", "default"), List.of("branches"));
    BsonValue branches = d.get("branches");
    if (!branches.isArray()) {
      throw Expression.badValue("$switch expected an array for 'branches', found: " + ExpressionOperators.describe(branches));
    }
    if (branches.asArray().isEmpty()) {
      throw Expression.badValue("$switch requires at least one branch");
    }
    List<Evaluator> cases = new ArrayList<>();
    List<Evaluator> thens = new ArrayList<>();
    List<String> keys = List.of("case", "then");
    for (BsonValue branch : branches.asArray()) {
      if (!branch.isDocument()) {
        throw Expression.badValue("$switch expected each branch to be an object, found: " + ExpressionOperators.describe(branch));
      }
      BsonDocument b = named("$switch branch", branch, keys, keys);
      cases.add(p.parse(b.get("case")));
      thens.add(p.parse(b.get("then")));
    }
    Evaluator otherwise = d.containsKey("default") ? p.parse(d.get("default")) : null;
    return vars -> {
      for (int i = 0; i < cases.size(); i++) {
        if (truthy(cases.get(i).evaluate(vars))) {
          return thens.get(i).evaluate(vars);
        }
      }
      if (otherwise == null) {
        throw Expression.badValue("$switch could not find a matching branch for an input, and no default was specified");
      }
      return otherwise.evaluate(vars);
    };
  }

  /** The first operand that is neither null nor missing; the last operand (the replacement) as it is. */
  private static Evaluator ifNull(String name, BsonValue args, ExpressionParser p) {
    Evaluator[] operands = operands(name, args, p);
    if (operands.length < 2) {
      throw Expression.badValue("$ifNull needs at least two arguments, had: " + operands.length);
    }
    return vars -> {
      for (int i = 0; i < operands.length - 1; i++) {
        BsonValue value = operands[i].evaluate(vars);
        if (!nullish(value)) {
          return value;
        }
      }
      return operands[operands.length - 1].evaluate(vars);
    };
  }

  /** {@code {vars: {name: expr, ...}, in: expr}}; the vars are evaluated in the outer scope. */
  private static Evaluator let(String name, BsonValue args, ExpressionParser p) {
    BsonDocument d = named(name, args, List.of("vars", "in"), List.of("vars", "in"));
    if (!d.get("vars").isDocument()) {
      throw Expression.badValue("invalid parameter: expected an object (vars), found: " + ExpressionOperators.describe(d.get("vars")));
    }
    List<String> names = new ArrayList<>();
    List<Evaluator> values = new ArrayList<>();
    for (Map.Entry<String, BsonValue> e : d.get("vars").asDocument().entrySet()) {
      names.add(Variables.checkUserName(e.getKey(), name));
      values.add(p.parse(e.getValue()));
    }
    Evaluator in = p.with(names.toArray(new String[0])).parse(d.get("in"));
    return vars -> {
      Variables inner = vars;
      for (int i = 0; i < names.size(); i++) {
        inner = inner.bind(names.get(i), values.get(i).evaluate(vars));
      }
      return in.evaluate(inner);
    };
  }
}
