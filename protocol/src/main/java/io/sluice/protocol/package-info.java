/**
 * The wire vocabulary shared by client and server: command and reply documents (BSON in MongoDB's
 * command shapes), log positions, error codes and cluster naming. Depends on nothing but BSON; no
 * Raft, storage or network types may appear here.
 */
package io.sluice.protocol;
