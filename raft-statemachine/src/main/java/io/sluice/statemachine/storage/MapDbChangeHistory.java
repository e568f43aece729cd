package io.sluice.statemachine.storage;

import io.sluice.protocol.BsonBytes;
import java.util.AbstractMap;
import java.util.Iterator;
import java.util.List;
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
 * {@link ChangeHistory} in the store's MapDB file: records by index, and the running size and trim
 * mark in the store's meta map, so that one MapDB commit covers them with the data. Cluster times
 * increase with the index, so {@code startAtOperationTime} searches the records themselves (an index by
 * cluster time, as earlier versions kept in {@code historyByClusterTime}, cost a B-tree write and a
 * removal per entry, and the nodes trims empty, see {@link TrimmedFront}).
 */
final class MapDbChangeHistory implements ChangeHistory {
  private static final String BOUNDS_KEY = "historyBounds";

  private final RecordMap<Long> records;
  private final BTreeMap<String, byte[]> meta;
  private long bytes;
  private long trimmedThrough;
  /** True when {@code bytes} or {@code trimmedThrough} changed since they were last saved. */
  private boolean boundsChanged;

  MapDbChangeHistory(DB db, BatchedFrees frees, BTreeMap<String, byte[]> meta) {
    this.records = new RecordMap<>(db, frees, meta, "historyRecords", Serializer.LONG, "history");
    this.meta = meta;
    reload();
  }

  /** The trees to renew now and then. */
  List<RenewableTree<?, ?>> trees() {
    return List.of(records.tree());
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
    bytes += encoded.length;
    boundsChanged = true;
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

  /**
   * A binary search over the window's indexes: the record at or after an index has a cluster time at
   * or after {@code time} from some index on. Indexes without a record (Raft's own entries) are no matter.
   */
  @Override
  public OptionalLong firstAtOrAfter(BsonTimestamp time) {
    if (records.isEmpty() || clusterTime(records.ceiling(records.lastKey())).compareTo(time) < 0) {
      return OptionalLong.empty();
    }
    long low = records.firstKey();
    long high = records.lastKey();
    while (low < high) {
      long middle = low + (high - low) / 2;
      if (clusterTime(records.ceiling(middle)).compareTo(time) >= 0) {
        high = middle;
      } else {
        low = middle + 1;
      }
    }
    return OptionalLong.of(records.ceiling(low).getKey());
  }

  private static BsonTimestamp clusterTime(Map.Entry<Long, byte[]> record) {
    return BsonBytes.decode(record.getValue()).getTimestamp("clusterTime");
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
    bytes -= first.getValue().length;
    trimmedThrough = Math.max(trimmedThrough, first.getKey());
    boundsChanged = true;
    return OptionalLong.of(first.getKey());
  }

  @Override
  public long trimmedThrough() {
    return trimmedThrough;
  }

  /**
   * Saves the bounds if they changed. Called before the file is copied or closed, with the applied
   * state ({@link MapDbFile#flush}): each save rewrites a node of the meta map.
   */
  void saveBounds() {
    if (boundsChanged) {
      meta.put(BOUNDS_KEY, BsonBytes.encode(new BsonDocument("bytes", new BsonInt64(bytes))
          .append("trimmedThrough", new BsonInt64(trimmedThrough))));
      boundsChanged = false;
    }
  }
}
