/**
 * Benchmarks run from the command line ({@code ./sluice bench}) against a running cluster, through
 * the client like any user. Figures are for reports, never for assertions in tests.
 */
package io.sluice.node.bench;
