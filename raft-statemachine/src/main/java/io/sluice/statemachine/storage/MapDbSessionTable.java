package io.sluice.statemachine.storage;

import io.sluice.protocol.BsonBytes;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
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
  /**
   * How many clients' highest calls are kept (see {@link #highestCalls}); all are forgotten beyond it.
   * More clients than this taking turns would look each call's client up again, a floor lookup where a
   * plain lookup used to be: a little slower, never wrong.
   */
  private static final int CLIENTS_TRACKED = 10_000;

  private final RecordMap<byte[]> replies;
  /** Keys are the wall time (8 bytes, big-endian) followed by the call's key, so the oldest come first. */
  private final RenewableTree<byte[], byte[]> byTime;
  private final BTreeMap<String, byte[]> meta;
  private byte[] savedFloor;
  private long expired;
  /**
   * No call recorded before this wall time is left: {@code Long.MIN_VALUE} until known, {@code
   * Long.MAX_VALUE} when the table is empty. Spares each entry's expiry a descent of the tree when
   * nothing is due (6% of the apply thread's time under load, JFR).
   */
  private long oldestTime = Long.MIN_VALUE;
  /**
   * The highest call number (from 0 up) recorded for each client looked up since the table opened, -1
   * if none: a call above it is new, and needs no lookup. Nearly every entry is a new call, and its
   * lookup was 7% of the apply thread's time under load (JFR). Expiry leaves it an upper bound.
   */
  private final Map<ByteBuffer, Long> highestCalls = new ConcurrentHashMap<>();

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
    if (call.callId() > highestCall(call.clientId())) {
      return Optional.empty();
    }
    byte[] stored = replies.get(key(call));
    return stored == null ? Optional.empty() : Optional.of(BsonBytes.decode(stored));
  }

  /** See {@link #highestCalls}; looked up in the tree the first time (call numbers below 0 are never above it). */
  private long highestCall(byte[] clientId) {
    Long known = highestCalls.get(ByteBuffer.wrap(clientId));
    if (known != null) {
      return known;
    }
    byte[] last = replies.tree().tree().floorKey(key(new ClientCall(clientId, Long.MAX_VALUE)));
    long highest = -1;
    if (last != null && Arrays.equals(last, 0, clientId.length, clientId, 0, clientId.length)) {
      highest = Math.max(-1, ByteBuffer.wrap(last, clientId.length, 8).getLong());
    }
    if (highestCalls.size() >= CLIENTS_TRACKED) {
      highestCalls.clear();
    }
    highestCalls.put(ByteBuffer.wrap(clientId.clone()), highest);
    return highest;
  }

  @Override
  public void record(ClientCall call, long wallTimeMillis, BsonDocument reply) {
    highestCalls.computeIfPresent(ByteBuffer.wrap(call.clientId()), (client, highest) -> Math.max(highest, call.callId()));
    byte[] key = key(call);
    replies.put(key, BsonBytes.encode(reply));
    byte[] timeAndKey = ByteBuffer.allocate(8 + CALL_BYTES).putLong(wallTimeMillis).put(key).array();
    if (savedFloor != null && Arrays.compareUnsigned(timeAndKey, savedFloor) < 0) {
      saveFloor(timeAndKey);
    }
    byTime.put(timeAndKey, NOTHING);
    if (oldestTime != Long.MIN_VALUE) {
      oldestTime = Math.min(oldestTime, wallTimeMillis);
    }
  }

  @Override
  public void expireBefore(long wallTimeMillis) {
    if (oldestTime >= wallTimeMillis) {
      return;
    }
    for (Map.Entry<byte[], byte[]> first = byTime.front().first(); first != null; first = byTime.front().first()) {
      long time = ByteBuffer.wrap(first.getKey()).getLong();
      if (time >= wallTimeMillis) {
        oldestTime = time;
        return;
      }
      byTime.remove(first.getKey());
      replies.remove(Arrays.copyOfRange(first.getKey(), 8, 8 + CALL_BYTES));
      if (++expired % FLOOR_EVERY == 0) {
        saveFloor(first.getKey());
      }
    }
    oldestTime = Long.MAX_VALUE;
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
