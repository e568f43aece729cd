/**
 * Commands in MongoDB's shapes: reading them from BSON, the log entry around a write, applying writes
 * to a {@link io.sluice.statemachine.storage.DocumentStore} and answering reads. Deterministic: the
 * time of a write comes from its log entry, never from a clock; nothing here knows Raft.
 */
package io.sluice.statemachine.command;
