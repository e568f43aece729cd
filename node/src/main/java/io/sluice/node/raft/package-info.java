/**
 * Extensions of Apache Ratis that Sluice plugs in through Ratis' own extension points (a user-defined
 * RPC type). Nothing here changes what Raft guarantees; it changes when followers hear of commits.
 */
package io.sluice.node.raft;
