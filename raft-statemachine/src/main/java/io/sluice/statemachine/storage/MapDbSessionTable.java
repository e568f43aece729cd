package io.sluice.statemachine.storage;

import io.sluice.protocol.BsonBytes;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bson.BsonDocument;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.Serializer;

/** {@link SessionTable} in the store's MapDB file: replies by call, and the calls by time for expiry. */
final class MapDbSessionTable implements SessionTable {
  private static final int CALL_BYTES = 24;
  private static final byte[] NOTHING = new byte[0];
  /**
   * Where expiry got to, kept every {@link #FLOOR_EVERY} expired calls so that a reopened table finds
   * its oldest call at once; lowered at once if a call is recorded below it (a leader's clock behind
   * the last one's by more than the lifetime), or that call would never expire here and expire elsewhere.
   */
  private static final String EXPIRY_FLOOR_KEY = "sessionsExpiryFloor";
  private static final int FLOOR_EVERY = 1024;

  private final RecordMap<byte[]> replies;
  /** Keys are the wall time (8 bytes, big-endian) followed by the call's key, so the oldest come first. */
  private final RenewableTree<byte[], byte[]> byTime;
  private final BTreeMap<String, byte[]> meta;
  private byte[] savedFloor;
  private long expired;

  MapDbSessionTable(DB db, BatchedFrees frees, BTreeMap<String, byte[]> meta) {
    this.replies = new RecordMap<>(db, frees, meta, "sessionReplies", new FixedWidthKeys(CALL_BYTES), "sessions");
    this.byTime = new RenewableTree<>(db, meta, "sessionsByTime", new FixedWidthKeys(8 + CALL_BYTES), Serializer.BYTE_ARRAY, false);
    this.meta = meta;
    if (replies.migrated()) {
      meta.remove(EXPIRY_FLOOR_KEY);
    }
    this.savedFloor = meta.get(EXPIRY_FLOOR_KEY);
    if (savedFloor != null) {
      byTime.front().nothingBelow(savedFloor);
    }
  }

  /** The trees to renew now and then. */
  List<RenewableTree<?, ?>> trees() {
    return List.of(replies.tree(), byTime);
  }

  @Override
  public Optional<BsonDocument> reply(ClientCall call) {
    byte[] stored = replies.get(key(call));
    return stored == null ? Optional.empty() : Optional.of(BsonBytes.decode(stored));
  }

  @Override
  public void record(ClientCall call, long wallTimeMillis, BsonDocument reply) {
    byte[] key = key(call);
    replies.put(key, BsonBytes.encode(reply));
    byte[] timeAndKey = ByteBuffer.allocate(8 + CALL_BYTES).putLong(wallTimeMillis).put(key).array();
    if (savedFloor != null && Arrays.compareUnsigned(timeAndKey, savedFloor) < 0) {
      saveFloor(timeAndKey);
    }
    byTime.put(timeAndKey, NOTHING);
  }

  @Override
  public void expireBefore(long wallTimeMillis) {
    for (Map.Entry<byte[], byte[]> first = byTime.front().first(); first != null; first = byTime.front().first()) {
      ByteBuffer timeAndKey = ByteBuffer.wrap(first.getKey());
      if (timeAndKey.getLong() >= wallTimeMillis) {
        return;
      }
      byTime.remove(first.getKey());
      replies.remove(Arrays.copyOfRange(first.getKey(), 8, 8 + CALL_BYTES));
      if (++expired % FLOOR_EVERY == 0) {
        saveFloor(first.getKey());
      }
    }
  }

  private void saveFloor(byte[] timeAndKey) {
    savedFloor = timeAndKey;
    meta.put(EXPIRY_FLOOR_KEY, timeAndKey);
  }

  @Override
  public long count() {
    return replies.size();
  }

  private static byte[] key(ClientCall call) {
    return ByteBuffer.allocate(CALL_BYTES).put(call.clientId()).putLong(call.callId()).array();
  }
}
