/** The command line of the node jar (picocli): run a node, show a cluster's status. */
package io.sluice.node.cli;
