package io.sluice.statemachine.engine;

import org.bson.BsonValue;

/**
 * One compiled node of an aggregation {@link Expression}. Java {@code null} is MongoDB's "missing"
 * (a field path that finds nothing, {@code $$REMOVE}); it never escapes {@link Expression}'s public
 * methods. A result may share structure with the variables' documents or with the compiled spec, so
 * nothing may mutate it; {@link Expression} copies at its public boundary.
 */
@FunctionalInterface
interface Evaluator {
  /** The value, or {@code null} for missing. */
  BsonValue evaluate(Variables vars);

  /** A node that always gives this value; {@code value} must never be mutated afterwards. */
  static Evaluator constant(BsonValue value) {
    return new Constant(value);
  }

  /** A constant node, recognisable so operators can do work (e.g. compiling a regex) once at compile time. */
  record Constant(BsonValue value) implements Evaluator {
    @Override
    public BsonValue evaluate(Variables vars) {
      return value;
    }
  }
}
