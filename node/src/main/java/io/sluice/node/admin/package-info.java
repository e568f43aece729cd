/**
 * Cluster membership and Raft administration (members, add and remove nodes, leader transfer,
 * snapshots, a node's rejoin after losing its disk), through Ratis' admin APIs. Used by the command
 * line and by tests; it talks to nodes only over the network, never to a node object in this JVM.
 */
package io.sluice.node.admin;
