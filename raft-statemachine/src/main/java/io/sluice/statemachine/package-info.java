/**
 * The Ratis state machine of Sluice: it stamps writes on the leader, applies committed entries to the
 * store in log order on every replica, and answers reads at the freshness the client asked for. The
 * {@code engine}, {@code command} and {@code storage} packages below it know nothing of Raft.
 */
package io.sluice.statemachine;
