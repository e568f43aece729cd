package io.sluice.statemachine.storage;

import io.sluice.protocol.BsonBytes;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.Replies;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.bson.BsonDocument;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link SessionTable} held in memory, one entry per session, and saved into the store's MapDB file
 * when the file is flushed (a checkpoint, a compaction, a clean close: {@link #save}). Between flushes
 * the file need not follow, since a store cut off by a crash is discarded ({@link MapDbDocumentStore#open}).
 * Recording every call's reply in B-trees at once (replies, calls by time, and the expiry of both)
 * took a quarter of the apply thread's time (JFR, 2026-12-06); now a write changes a map in memory, and
 * a flush writes each session changed since the last one, once.
 *
 * <p>At most {@link Capacity#DEFAULT} sessions and replies are kept: beyond that the session idle
 * longest is forgotten early, as if its lifetime had passed (the same on every replica, which records
 * the same sessions). A client reuses its sessions from a pool, so this is far more than clients use; it
 * bounds the memory of clients that make a session per write, or of large replies (a write's
 * {@code writeErrors}).
 */
final class MapDbSessionTable implements SessionTable {
  private static final Logger LOG = LoggerFactory.getLogger(MapDbSessionTable.class);
  static final String SAVED = "sessionsByClient";
  private static final int CLIENT_BYTES = 16;
  /** A saved session's value: its latest call's number and wall time, then the reply's BSON. */
  private static final int NUMBER_AND_TIME_BYTES = 16;
  private static final Comparator<Session> OLDEST_FIRST =
      Comparator.comparingLong(Session::wallTimeMillis).thenComparing(Session::client);

  private final BTreeMap<byte[], byte[]> saved;
  private final Capacity capacity;
  /** See {@link #forgottenEarly()}. */
  private long forgottenEarly;
  private long nextWarningAt = 1;
  /** The replies' bytes, summed over the sessions kept. */
  private long replyBytes;
  private final Map<ByteBuffer, Session> byClient = new HashMap<>();
  private final NavigableSet<Session> byTime = new TreeSet<>(OLDEST_FIRST);
  /** Sessions recorded or forgotten since the last {@link #save}. */
  private final Set<ByteBuffer> unsaved = new HashSet<>();

  /** A session's latest call; {@code client} wraps a 16-byte array of its own. */
  private record Session(ByteBuffer client, long txnNumber, long wallTimeMillis, byte[] reply) {}

  /** How many sessions, and how many bytes of their replies, the table keeps at most. */
  record Capacity(int sessions, long replyBytes) {
    /** About 100 MB of heap at most: some 35 MB of sessions with small replies, plus 64 MiB of replies. */
    static final Capacity DEFAULT = new Capacity(100_000, 64L << 20);
  }

  MapDbSessionTable(DB db, BatchedFrees frees, BTreeMap<String, byte[]> meta, Capacity capacity) {
    this.saved = db.treeMap(SAVED, new FixedWidthKeys(CLIENT_BYTES), Serializer.BYTE_ARRAY).createOrOpen();
    this.capacity = capacity;
    saved.forEach((client, value) -> remember(decode(client, value)));
    unsaved.clear();
    LegacySessionTrees.foldInto(db, frees, meta, this::offer);
    // Sessions of a former layout, or kept under a larger capacity, whose lifetimes may be long over: no warning for them.
    int dropped = 0;
    for (; overCapacity(); dropped++) {
      forget(byTime.first());
    }
    if (dropped > 0) {
      LOG.info("the session table keeps {} sessions and {} bytes of replies at most: {} older sessions dropped on opening",
          capacity.sessions(), capacity.replyBytes(), dropped);
    }
  }

  @Override
  public synchronized Optional<BsonDocument> answered(ClientCall call) {
    Session session = byClient.get(ByteBuffer.wrap(call.clientId()));
    if (session == null || call.callId() > session.txnNumber()) {
      return Optional.empty();
    }
    if (call.callId() == session.txnNumber()) {
      return Optional.of(BsonBytes.decode(session.reply()));
    }
    return Optional.of(Replies.error(ErrorCode.TRANSACTION_TOO_OLD, "txnNumber " + call.callId() + " on session " + uuid(session.client())
        + " is older than the session's latest write (txnNumber " + session.txnNumber() + "): it was answered or given up on, and is not applied"));
  }

  @Override
  public synchronized void record(ClientCall call, long wallTimeMillis, BsonDocument reply) {
    remember(new Session(ByteBuffer.wrap(call.clientId().clone()), call.callId(), wallTimeMillis, BsonBytes.encode(reply)));
    keepWithinCapacity();
  }

  private void keepWithinCapacity() {
    while (overCapacity()) {
      forget(byTime.first());
      forgottenEarly++;
      // Not silent: a retry of such a session's last write would be applied again. Logged at 1, 10, 100, ...
      if (forgottenEarly == nextWarningAt) {
        nextWarningAt *= 10;
        LOG.warn("the session table is full ({} sessions, {} bytes of replies at most): {} session(s) forgotten before their"
            + " lifetime ended so far, the one idle longest each time; a retry of such a session's last write would be applied"
            + " again. Clients should reuse sessions (the Java client does)", capacity.sessions(), capacity.replyBytes(), forgottenEarly);
      }
    }
  }

  private boolean overCapacity() {
    return byClient.size() > capacity.sessions() || replyBytes > capacity.replyBytes();
  }

  /** How many sessions this table forgot before their lifetime ended, to stay within its capacity, since it was opened. */
  synchronized long forgottenEarly() {
    return forgottenEarly;
  }

  @Override
  public synchronized void expireBefore(long wallTimeMillis) {
    while (!byTime.isEmpty() && byTime.first().wallTimeMillis() < wallTimeMillis) {
      forget(byTime.first());
    }
  }

  @Override
  public synchronized long count() {
    return byClient.size();
  }

  /** Writes the sessions recorded or forgotten since the last save into the file (called when it is flushed). */
  synchronized void save() {
    for (ByteBuffer client : unsaved) {
      Session session = byClient.get(client);
      if (session == null) {
        saved.remove(client.array());
      } else {
        saved.put(client.array(), ByteBuffer.allocate(NUMBER_AND_TIME_BYTES + session.reply().length)
            .putLong(session.txnNumber()).putLong(session.wallTimeMillis()).put(session.reply()).array());
      }
    }
    unsaved.clear();
  }

  /** Feeds every session, oldest first, to a digest of the replicated state. */
  synchronized void digest(MessageDigest sha) {
    for (Session session : byTime) {
      sha.update(session.client().array());
      sha.update(ByteBuffer.allocate(NUMBER_AND_TIME_BYTES).putLong(session.txnNumber()).putLong(session.wallTimeMillis()).array());
      sha.update(session.reply());
    }
  }

  /** A call from the former layout: kept if it is its session's latest. */
  private void offer(byte[] clientId, long txnNumber, long wallTimeMillis, byte[] reply) {
    Session known = byClient.get(ByteBuffer.wrap(clientId));
    if (known == null || known.txnNumber() < txnNumber) {
      remember(new Session(ByteBuffer.wrap(clientId.clone()), txnNumber, wallTimeMillis, reply));
    }
  }

  private void remember(Session session) {
    Session replaced = byClient.put(session.client(), session);
    if (replaced != null) {
      byTime.remove(replaced);
      replyBytes -= replaced.reply().length;
    }
    byTime.add(session);
    replyBytes += session.reply().length;
    unsaved.add(session.client());
  }

  private void forget(Session session) {
    byTime.remove(session);
    byClient.remove(session.client());
    replyBytes -= session.reply().length;
    unsaved.add(session.client());
  }

  private static Session decode(byte[] client, byte[] value) {
    ByteBuffer bytes = ByteBuffer.wrap(value);
    return new Session(ByteBuffer.wrap(client), bytes.getLong(), bytes.getLong(), Arrays.copyOfRange(value, NUMBER_AND_TIME_BYTES, value.length));
  }

  private static UUID uuid(ByteBuffer client) {
    return new UUID(client.getLong(0), client.getLong(8));
  }
}
