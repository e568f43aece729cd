package io.sluice.statemachine.storage;

import io.sluice.protocol.BsonBytes;
import io.sluice.statemachine.storage.HistoryChunk.Record;
import java.util.AbstractMap;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.BsonTimestamp;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.Serializer;

/**
 * {@link ChangeHistory} in the store's MapDB file, in {@link HistoryChunk chunks} of consecutive records
 * keyed by the index each starts at. The newest records are in the open chunk, in memory until it is
 * full (then written for good: sealed) or the file is flushed (then written as it is, and again at the
 * next flush); the oldest sealed chunk is held decoded while the window trims it, and removed once
 * trimmed empty. A crash loses nothing the store needs: a store cut off by one is discarded and rebuilt
 * from a snapshot, which is taken after a flush.
 *
 * <p>The running size, count and trim mark are kept in the store's meta map, saved with the open chunk.
 * Cluster times increase with the index, so {@code startAtOperationTime} searches the records themselves.
 */
final class MapDbChangeHistory implements ChangeHistory {
  private static final String BOUNDS_KEY = "historyBounds";
  /** Where stores kept one record per entry until 2026-12-06 (and before that, values in the nodes): folded into chunks once. */
  private static final String RECORD_PER_ENTRY = "historyRecords";
  private static final String VALUES_IN_NODES = "history";

  private final RecordMap<Long> chunks;
  private final BTreeMap<String, byte[]> meta;
  /** What is left of the oldest sealed chunk; null when every record is in {@link #open}. */
  private HistoryChunk front;
  /** The chunk being filled; null before the first record. Chunks with a lower key are sealed. */
  private HistoryChunk open;
  private long count;
  private long lastIndex;
  private long bytes;
  private long trimmedThrough;
  /** True when the open chunk or the bounds changed since they were last saved. */
  private boolean unsaved;

  MapDbChangeHistory(DB db, BatchedFrees frees, BTreeMap<String, byte[]> meta) {
    this.chunks = new RecordMap<>(db, frees, meta, "historyChunks", Serializer.LONG);
    this.meta = meta;
    byte[] stored = meta.get(BOUNDS_KEY);
    BsonDocument bounds = stored == null ? new BsonDocument() : BsonBytes.decode(stored);
    this.trimmedThrough = bounds.getInt64("trimmedThrough", new BsonInt64(0)).getValue();
    if (!foldFormerLayout(db, frees)) {
      this.bytes = bounds.getInt64("bytes", new BsonInt64(0)).getValue();
      this.count = bounds.getInt64("count", new BsonInt64(0)).getValue();
      load();
    }
  }

  /** The trees to renew now and then. */
  List<RenewableTree<?, ?>> trees() {
    return List.of(chunks.tree());
  }

  /** Reads the open chunk (the last one) and the oldest sealed one. */
  private void load() {
    if (!chunks.isEmpty()) {
      Map.Entry<Long, byte[]> last = chunks.floor(chunks.lastKey());
      open = HistoryChunk.decode(last.getKey(), last.getValue(), trimmedThrough);
    }
    lastIndex = open == null || open.isEmpty() ? trimmedThrough : open.records.getLast().index();
    Long first = chunks.isEmpty() ? null : chunks.floorKey(trimmedThrough + 1);
    front = sealedFrom(first == null ? trimmedThrough + 1 : first);
    if (front != null) {
      chunks.nothingBelow(front.key);
    }
  }

  /** The first sealed chunk at or after {@code key} that holds a record, decoded; null if none. */
  private HistoryChunk sealedFrom(long key) {
    Iterator<Map.Entry<Long, byte[]>> sealed = chunks.between(key, openKey());
    while (sealed.hasNext()) {
      Map.Entry<Long, byte[]> chunk = sealed.next();
      HistoryChunk decoded = HistoryChunk.decode(chunk.getKey(), chunk.getValue(), trimmedThrough);
      if (!decoded.isEmpty()) {
        return decoded;
      }
    }
    return null;
  }

  private long openKey() {
    return open == null ? Long.MAX_VALUE : open.key;
  }

  /**
   * Moves the records of the former layout into chunks, once, and empties it; false if there are none.
   * The bounds' size and count are computed again as the records are appended.
   */
  private boolean foldFormerLayout(DB db, BatchedFrees frees) {
    if (!RenewableTree.exists(db, meta, RECORD_PER_ENTRY) && !db.exists(VALUES_IN_NODES)) {
      return false;
    }
    RecordMap<Long> former = new RecordMap<>(db, frees, meta, RECORD_PER_ENTRY, Serializer.LONG, VALUES_IN_NODES);
    if (former.isEmpty()) {
      former.drop(); // emptied by a version that did not drop it
      return false;
    }
    chunks.clear();
    former.after(trimmedThrough).forEachRemaining(record -> appendEncoded(record.getKey(), record.getValue()));
    former.drop();
    return true;
  }

  @Override
  public int append(long index, BsonDocument record) {
    byte[] encoded = BsonBytes.encode(record);
    appendEncoded(index, encoded);
    return encoded.length;
  }

  private void appendEncoded(long index, byte[] encoded) {
    if (count > 0 && index <= lastIndex) {
      throw new IllegalStateException("the history's record " + index + " comes after record " + lastIndex);
    }
    if (open != null && open.full()) {
      chunks.put(open.key, open.encode());
      if (front == null) {
        front = open;
      }
      open = null;
    }
    if (open == null) {
      open = new HistoryChunk(index);
    }
    open.add(new Record(index, encoded));
    count++;
    lastIndex = index;
    bytes += encoded.length;
    unsaved = true;
  }

  @Override
  public Optional<BsonDocument> at(long index) {
    if (count == 0 || index < firstIndex().getAsLong() || index > lastIndex) {
      return Optional.empty();
    }
    Record found = ceiling(index);
    return found.index() == index ? Optional.of(BsonBytes.decode(found.bson())) : Optional.empty();
  }

  /** The first record at or after {@code index}, which must lie between the first and the last index. */
  private Record ceiling(long index) {
    Record inFront = front == null ? null : front.ceiling(index);
    if (inFront != null) {
      return inFront;
    }
    if (front != null && index < openKey()) {
      // A chunk holds the indexes from its key to the next chunk's key: the floor chunk, else the next one.
      // The front chunk, already searched above, is not read again.
      Long floorKey = chunks.floorKey(index);
      if (floorKey != null && floorKey > front.key) {
        Record inFloor = HistoryChunk.decode(floorKey, chunks.get(floorKey), trimmedThrough).ceiling(index);
        if (inFloor != null) {
          return inFloor;
        }
      }
      Map.Entry<Long, byte[]> next = chunks.ceiling(index + 1);
      if (next != null && next.getKey() < openKey()) {
        return HistoryChunk.decode(next.getKey(), next.getValue(), trimmedThrough).records.getFirst();
      }
    }
    return open.ceiling(index);
  }

  @Override
  public Iterator<Map.Entry<Long, BsonDocument>> after(long index) {
    if (count == 0) {
      return List.<Map.Entry<Long, BsonDocument>>of().iterator();
    }
    long from = Math.max(index + 1, firstIndex().getAsLong());
    Stream<Record> sealed = front == null ? Stream.empty() : Stream.concat(Arrays.stream(front.snapshot()), middleChunksFrom(from));
    Stream<Record> inOpen = open == null ? Stream.empty() : Arrays.stream(open.snapshot());
    return Stream.concat(sealed, inOpen)
        .filter(r -> r.index() >= from)
        .<Map.Entry<Long, BsonDocument>>map(r -> new AbstractMap.SimpleImmutableEntry<>(r.index(), BsonBytes.decode(r.bson())))
        .iterator();
  }

  /** The records of the sealed chunks after the front one, from the chunk that holds {@code index} on, each chunk read as it is reached. */
  private Stream<Record> middleChunksFrom(long index) {
    Long holder = chunks.floorKey(index);
    long from = Math.max(front.key + 1, holder == null ? front.key + 1 : holder);
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(chunks.between(from, openKey()), 0), false)
        .flatMap(chunk -> HistoryChunk.decode(chunk.getKey(), chunk.getValue(), trimmedThrough).records.stream());
  }

  /**
   * A binary search over the window's indexes: the record at or after an index has a cluster time at
   * or after {@code time} from some index on. Indexes without a record (Raft's own entries) are no matter.
   */
  @Override
  public OptionalLong firstAtOrAfter(BsonTimestamp time) {
    if (count == 0 || clusterTime(ceiling(lastIndex)).compareTo(time) < 0) {
      return OptionalLong.empty();
    }
    long low = firstIndex().getAsLong();
    long high = lastIndex;
    while (low < high) {
      long middle = low + (high - low) / 2;
      if (clusterTime(ceiling(middle)).compareTo(time) >= 0) {
        high = middle;
      } else {
        low = middle + 1;
      }
    }
    return OptionalLong.of(ceiling(low).index());
  }

  private static BsonTimestamp clusterTime(Record record) {
    return BsonBytes.decode(record.bson()).getTimestamp("clusterTime");
  }

  @Override
  public OptionalLong firstIndex() {
    if (count == 0) {
      return OptionalLong.empty();
    }
    return OptionalLong.of((front != null ? front : open).records.getFirst().index());
  }

  @Override
  public OptionalLong lastIndex() {
    return count == 0 ? OptionalLong.empty() : OptionalLong.of(lastIndex);
  }

  @Override
  public long count() {
    return count;
  }

  @Override
  public long bytes() {
    return bytes;
  }

  @Override
  public OptionalLong removeFirst() {
    if (count == 0) {
      return OptionalLong.empty();
    }
    Record first;
    if (front != null) {
      first = front.removeFirst();
      if (front.isEmpty()) {
        chunks.remove(front.key);
        front = sealedFrom(front.key + 1);
      }
    } else {
      first = open.removeFirst();
    }
    count--;
    bytes -= first.bson().length;
    trimmedThrough = Math.max(trimmedThrough, first.index());
    unsaved = true;
    return OptionalLong.of(first.index());
  }

  @Override
  public long trimmedThrough() {
    return trimmedThrough;
  }

  /**
   * Writes the open chunk as it is, and the bounds, if they changed. Called before the file is copied or
   * closed, with the applied state ({@link MapDbFile#flush}).
   */
  void save() {
    if (!unsaved) {
      return;
    }
    if (open != null && open.isEmpty()) {
      chunks.remove(open.key);
      open = null;
    } else if (open != null) {
      chunks.put(open.key, open.encode());
    }
    meta.put(BOUNDS_KEY, BsonBytes.encode(new BsonDocument("bytes", new BsonInt64(bytes))
        .append("count", new BsonInt64(count))
        .append("trimmedThrough", new BsonInt64(trimmedThrough))));
    unsaved = false;
  }
}
