/**
 * Where the replicated state lives: the {@link io.sluice.statemachine.storage.DocumentStore} contract
 * and its MapDB implementation. Knows documents, collections and the applied position; knows nothing
 * of commands, Raft or the document engine.
 */
package io.sluice.statemachine.storage;
