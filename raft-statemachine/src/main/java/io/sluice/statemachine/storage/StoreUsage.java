package io.sluice.statemachine.storage;

/**
 * A store's file and what its maintenance did to it ({@link StoreMaintenance}), for a node's status and metrics.
 *
 * @param fileBytes   the size of the store's file
 * @param freeBytes   the bytes of it that hold no record (what a compaction would give back)
 * @param compactions times the file was compacted since the store was opened
 * @param renewals    times a trimmed tree was renewed since the store was opened
 */
public record StoreUsage(long fileBytes, long freeBytes, long compactions, long renewals) {
}
