/** The command line of the node jar (picocli): run a node, show a cluster's status, watch a stream, administer membership. */
package io.sluice.node.cli;
