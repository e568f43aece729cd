package io.sluice.statemachine.storage;

import io.sluice.protocol.BsonBytes;
import java.nio.ByteBuffer;
import java.util.Arrays;
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

  private final BTreeMap<byte[], byte[]> replies;
  /** Keys are the wall time (8 bytes, big-endian) followed by the call's key, so the oldest come first. */
  private final BTreeMap<byte[], byte[]> byTime;

  MapDbSessionTable(DB db) {
    this.replies = db.treeMap("sessions", Serializer.BYTE_ARRAY, Serializer.BYTE_ARRAY).counterEnable().createOrOpen();
    this.byTime = db.treeMap("sessionsByTime", Serializer.BYTE_ARRAY, Serializer.BYTE_ARRAY).createOrOpen();
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
    byTime.put(ByteBuffer.allocate(8 + CALL_BYTES).putLong(wallTimeMillis).put(key).array(), NOTHING);
  }

  @Override
  public void expireBefore(long wallTimeMillis) {
    for (Map.Entry<byte[], byte[]> oldest = byTime.firstEntry(); oldest != null; oldest = byTime.firstEntry()) {
      ByteBuffer timeAndKey = ByteBuffer.wrap(oldest.getKey());
      if (timeAndKey.getLong() >= wallTimeMillis) {
        return;
      }
      byTime.remove(oldest.getKey());
      replies.remove(Arrays.copyOfRange(oldest.getKey(), 8, 8 + CALL_BYTES));
    }
  }

  @Override
  public long count() {
    return replies.sizeLong();
  }

  private static byte[] key(ClientCall call) {
    return ByteBuffer.allocate(CALL_BYTES).put(call.clientId()).putLong(call.callId()).array();
  }
}
