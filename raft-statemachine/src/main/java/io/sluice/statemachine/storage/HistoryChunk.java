package io.sluice.statemachine.storage;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * A run of consecutive change-history records, stored as one MapDB record under the index it starts
 * at (its key, at or below its first record's index). One record per chunk instead of one per entry
 * saves the apply thread a B-tree write and a record allocation per entry, and the trim as many
 * removals: together about a third of an entry's apply (JFR, 2026-12-06).
 *
 * <p>Stored as {@code (index: int64, length: int32, bson)} for each record, in index order.
 */
final class HistoryChunk {
  /** A chunk is sealed (written for good) once it holds this many records... */
  static final int MAX_RECORDS = 64;
  /** ...or this many bytes of them. */
  static final int MAX_BYTES = 64 * 1024;
  private static final int FRAME_BYTES = Long.BYTES + Integer.BYTES;

  /** One entry's record, encoded. */
  record Record(long index, byte[] bson) {}

  final long key;
  final ArrayDeque<Record> records;
  private int bytes;

  HistoryChunk(long key) {
    this(key, new ArrayDeque<>());
  }

  private HistoryChunk(long key, ArrayDeque<Record> records) {
    this.key = key;
    this.records = records;
    records.forEach(r -> bytes += r.bson().length);
  }

  void add(Record record) {
    records.addLast(record);
    bytes += record.bson().length;
  }

  Record removeFirst() {
    Record first = records.removeFirst();
    bytes -= first.bson().length;
    return first;
  }

  boolean full() {
    return records.size() >= MAX_RECORDS || bytes >= MAX_BYTES;
  }

  boolean isEmpty() {
    return records.isEmpty();
  }

  /** The first record at or after {@code index}, or null. */
  Record ceiling(long index) {
    for (Record r : records) {
      if (r.index() >= index) {
        return r;
      }
    }
    return null;
  }

  byte[] encode() {
    ByteBuffer out = ByteBuffer.allocate(bytes + records.size() * FRAME_BYTES);
    for (Record r : records) {
      out.putLong(r.index()).putInt(r.bson().length).put(r.bson());
    }
    return out.array();
  }

  /** The chunk stored under {@code key}, without the records at or below {@code trimmedThrough}. */
  static HistoryChunk decode(long key, byte[] stored, long trimmedThrough) {
    ByteBuffer in = ByteBuffer.wrap(stored);
    ArrayDeque<Record> records = new ArrayDeque<>();
    while (in.hasRemaining()) {
      long index = in.getLong();
      byte[] bson = new byte[in.getInt()];
      in.get(bson);
      if (index > trimmedThrough) {
        records.addLast(new Record(index, bson));
      }
    }
    return new HistoryChunk(key, records);
  }

  /** A copy of the records, for a reader that must not see later changes. */
  Record[] snapshot() {
    return records.toArray(new Record[0]);
  }
}
