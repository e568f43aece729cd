package io.sluice.statemachine.storage;

import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;

/**
 * The change events of recent log entries, one record per applied write entry, keyed by log index
 * and stored with the data it describes (so a snapshot carries it). A record is
 * {@code {term, clusterTime, wallTime, bytes, events: [...]}}; an entry that changed nothing still has
 * one (with no events), so that every applied position can be checked against its term.
 *
 * <p>Threading as {@link DocumentStore}: the apply thread appends and trims under the write lock;
 * readers hold the read lock (a trimmed record's storage is reused by the next one appended).
 */
public interface ChangeHistory {

  /** Appends the record of entry {@code index}; returns its encoded size in bytes. */
  int append(long index, BsonDocument record);

  Optional<BsonDocument> at(long index);

  /** Records with an index greater than {@code index}, in index order. */
  Iterator<Map.Entry<Long, BsonDocument>> after(long index);

  /** The index of the first record whose cluster time is at or after {@code time}. */
  OptionalLong firstAtOrAfter(BsonTimestamp time);

  OptionalLong firstIndex();

  OptionalLong lastIndex();

  long count();

  /** The encoded size of all records. */
  long bytes();

  /** Removes the oldest record and returns its index; history no longer covers that index. */
  OptionalLong removeFirst();

  /** The highest index ever removed from the front, 0 if none: positions at or below it are lost. */
  long trimmedThrough();
}
