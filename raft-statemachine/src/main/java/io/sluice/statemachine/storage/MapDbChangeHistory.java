package io.sluice.statemachine.storage;

import io.sluice.protocol.BsonBytes;
import java.util.AbstractMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.BsonTimestamp;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.Serializer;

/**
 * {@link ChangeHistory} in the store's MapDB file: records by index, an index by cluster time for
 * {@code startAtOperationTime}, and the running size and trim mark in the store's meta map, so that
 * one MapDB commit covers them with the data.
 */
final class MapDbChangeHistory implements ChangeHistory {
  private static final String BOUNDS_KEY = "historyBounds";

  private final RecordMap<Long> records;
  private final BTreeMap<Long, Long> byClusterTime;
  private final BTreeMap<String, byte[]> meta;
  private long bytes;
  private long trimmedThrough;

  MapDbChangeHistory(DB db, BatchedFrees frees, BTreeMap<String, byte[]> meta) {
    this.records = new RecordMap<>(db, frees, "historyRecords", Serializer.LONG, "history");
    this.byClusterTime = db.treeMap("historyByClusterTime", Serializer.LONG, Serializer.LONG).createOrOpen();
    this.meta = meta;
    reload();
  }

  private void reload() {
    byte[] stored = meta.get(BOUNDS_KEY);
    BsonDocument bounds = stored == null ? new BsonDocument() : BsonBytes.decode(stored);
    this.bytes = bounds.getInt64("bytes", new BsonInt64(0)).getValue();
    this.trimmedThrough = bounds.getInt64("trimmedThrough", new BsonInt64(0)).getValue();
    records.nothingBelow(trimmedThrough + 1);
  }

  @Override
  public int append(long index, BsonDocument record) {
    byte[] encoded = BsonBytes.encode(record);
    records.put(index, encoded);
    byClusterTime.putIfAbsent(record.getTimestamp("clusterTime").getValue(), index);
    bytes += encoded.length;
    saveBounds();
    return encoded.length;
  }

  @Override
  public Optional<BsonDocument> at(long index) {
    byte[] encoded = records.get(index);
    return encoded == null ? Optional.empty() : Optional.of(BsonBytes.decode(encoded));
  }

  @Override
  public Iterator<Map.Entry<Long, BsonDocument>> after(long index) {
    Iterator<Map.Entry<Long, byte[]>> entries = records.after(index);
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return entries.hasNext();
      }

      @Override
      public Map.Entry<Long, BsonDocument> next() {
        Map.Entry<Long, byte[]> e = entries.next();
        return new AbstractMap.SimpleImmutableEntry<>(e.getKey(), BsonBytes.decode(e.getValue()));
      }
    };
  }

  @Override
  public OptionalLong firstAtOrAfter(BsonTimestamp time) {
    OptionalLong first = firstIndex();
    if (first.isEmpty()) {
      return OptionalLong.empty();
    }
    // Never below the first record's time: that part of the tree is nodes emptied by trims (see TrimmedFront).
    long from = Math.max(time.getValue(), at(first.getAsLong()).orElseThrow().getTimestamp("clusterTime").getValue());
    Map.Entry<Long, Long> entry = byClusterTime.ceilingEntry(from);
    return entry == null ? OptionalLong.empty() : OptionalLong.of(entry.getValue());
  }

  @Override
  public OptionalLong firstIndex() {
    return records.isEmpty() ? OptionalLong.empty() : OptionalLong.of(records.firstKey());
  }

  @Override
  public OptionalLong lastIndex() {
    return records.isEmpty() ? OptionalLong.empty() : OptionalLong.of(records.lastKey());
  }

  @Override
  public long count() {
    return records.size();
  }

  @Override
  public long bytes() {
    return bytes;
  }

  @Override
  public OptionalLong removeFirst() {
    Map.Entry<Long, byte[]> first = records.pollFirst();
    if (first == null) {
      return OptionalLong.empty();
    }
    BsonDocument record = BsonBytes.decode(first.getValue());
    byClusterTime.remove(record.getTimestamp("clusterTime").getValue(), first.getKey());
    bytes -= first.getValue().length;
    trimmedThrough = Math.max(trimmedThrough, first.getKey());
    saveBounds();
    return OptionalLong.of(first.getKey());
  }

  @Override
  public long trimmedThrough() {
    return trimmedThrough;
  }

  private void saveBounds() {
    meta.put(BOUNDS_KEY, BsonBytes.encode(new BsonDocument("bytes", new BsonInt64(bytes))
        .append("trimmedThrough", new BsonInt64(trimmedThrough))));
  }
}
