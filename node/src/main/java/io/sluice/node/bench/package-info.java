/**
 * Benchmarks run from the command line ({@code ./sluice bench}): against a running cluster through
 * the client like any user, on one node's store, or ({@code durability}) on real nodes this JVM
 * starts, stops, crashes and wipes. Figures are for reports, never for assertions in tests.
 */
package io.sluice.node.bench;
