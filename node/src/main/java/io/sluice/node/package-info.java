/**
 * The server process: one node's configuration, the Ratis server wired to Sluice's state machine,
 * and the admin HTTP endpoint. Reaches the replicated state only through the state machine module.
 */
package io.sluice.node;
