package io.sluice.statemachine.storage;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.Serializer;

/**
 * The session table as stores kept it until 2026-12-06: every call's reply ({@code sessionReplies},
 * values as records of their own; before that {@code sessions}, values in the nodes) and the calls by
 * time ({@code sessionsByTime}). A store that has them hands each session's latest call to the table
 * that replaces them, once, and deletes them. Older calls of a session are dropped: a retry of one is
 * refused as too old, never applied twice.
 */
final class LegacySessionTrees {
  private static final String REPLIES = "sessionReplies";
  private static final String VALUES_IN_NODES = "sessions";
  private static final String BY_TIME = "sessionsByTime";
  private static final String EXPIRY_FLOOR_KEY = "sessionsExpiryFloor";
  private static final int CALL_BYTES = 24;
  private static final int TIME_BYTES = 8;

  /** Takes one call of the former layout: its session, number, wall time and reply's BSON. */
  interface Sink {
    void offer(byte[] clientId, long callId, long wallTimeMillis, byte[] reply);
  }

  private LegacySessionTrees() {}

  /** Offers every call the former trees hold, oldest first, to {@code sink}, then deletes them; nothing if there are none. */
  static void foldInto(DB db, BatchedFrees frees, BTreeMap<String, byte[]> meta, Sink sink) {
    if (!RenewableTree.exists(db, meta, REPLIES) && !db.exists(VALUES_IN_NODES)) {
      return;
    }
    RecordMap<byte[]> replies = new RecordMap<>(db, frees, meta, REPLIES, new FixedWidthKeys(CALL_BYTES), VALUES_IN_NODES);
    RenewableTree<byte[], byte[]> byTime = new RenewableTree<>(db, meta, BY_TIME, new FixedWidthKeys(TIME_BYTES + CALL_BYTES), Serializer.BYTE_ARRAY, false);
    for (byte[] timeAndCall : byTime.tree().keySet()) {
      byte[] call = Arrays.copyOfRange(timeAndCall, TIME_BYTES, TIME_BYTES + CALL_BYTES);
      byte[] reply = replies.get(call);
      if (reply != null) {
        ByteBuffer bytes = ByteBuffer.wrap(timeAndCall);
        sink.offer(Arrays.copyOfRange(call, 0, 16), bytes.getLong(TIME_BYTES + 16), bytes.getLong(0), reply);
      }
    }
    replies.drop();
    byTime.drop();
    meta.remove(EXPIRY_FLOOR_KEY);
  }
}
