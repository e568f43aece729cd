package io.sluice.client;

/**
 * One node as it describes itself ({@code hello}): its address, whether it is the leader now, and how
 * far it has applied the log. {@code reachable} is false if it did not answer.
 */
public record NodeDescription(String address, boolean reachable, boolean leader, long appliedIndex) {}
