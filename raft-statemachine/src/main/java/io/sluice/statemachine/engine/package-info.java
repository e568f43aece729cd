/**
 * The pure document engine: BSON ordering, field paths, query filters, update operators, projections,
 * sorts and document limits, aggregation expressions and change-stream pipelines, BSON in and BSON
 * out. It runs on every replica, so it must be deterministic and may not touch Raft, storage, clocks
 * or randomness.
 */
package io.sluice.statemachine.engine;
