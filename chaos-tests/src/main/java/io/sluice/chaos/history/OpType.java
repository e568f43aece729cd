package io.sluice.chaos.history;

/** The life of an operation: invoked, then exactly one of ok, fail (definitely no effect) or info (outcome unknown). */
public enum OpType {
  INVOKE, OK, FAIL, INFO
}
