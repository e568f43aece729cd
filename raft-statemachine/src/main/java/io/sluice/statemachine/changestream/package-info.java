/**
 * Change streams: the events each applied entry causes ({@link io.sluice.statemachine.changestream.ChangeRecorder},
 * on the apply path), their retention ({@link io.sluice.statemachine.changestream.HistoryWindow}), the
 * node's shared tail of recent events ({@link io.sluice.statemachine.changestream.ChangeHub}) and the
 * cursors that serve streams from it ({@link io.sluice.statemachine.changestream.ChangeStreamService}).
 * Knows the store and the engine; knows nothing of Raft.
 */
package io.sluice.statemachine.changestream;
