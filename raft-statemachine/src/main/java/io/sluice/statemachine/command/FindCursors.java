package io.sluice.statemachine.command;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.Limits;
import io.sluice.protocol.Replies;
import io.sluice.protocol.SluiceException;
import io.sluice.statemachine.engine.DocumentLimits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonValue;

/**
 * The results of {@code find} and {@code aggregate} that did not fit their first batch, kept on the
 * node that answered until {@code getMore} has taken them all, {@code killCursors} drops them, or
 * they sit unused for {@link #IDLE_TIMEOUT} (MongoDB's default). A batch holds at most
 * {@code batchSize} documents (first batch by default {@value #DEFAULT_FIRST_BATCH}) and at most
 * 16 MiB. Cursor ids are random with bit 62 set, so they are hard to guess and never meet a change
 * stream's, which stay below it.
 *
 * <p>A getMore may arrive twice (the Raft client resends a read whose answer was lost): a client that
 * names the offset it expects ({@value #OFFSET}, the number of documents it has received) gets the
 * last batch again instead of silently skipping it. A getMore that fails closes its cursor, as in MongoDB.
 */
public final class FindCursors {
  public static final Duration IDLE_TIMEOUT = Duration.ofMinutes(10);
  static final int DEFAULT_FIRST_BATCH = 101;
  /** Open cursors hold their documents in memory; past this many, the least recently used is closed. */
  static final int MAX_OPEN = 1_000;
  private static final long ID_BIT = 1L << 62;
  /** The getMore field in which Sluice's client names how many documents it has received. */
  public static final String OFFSET = "$sluiceOffset";
  private static final long MAX_BATCH_BYTES = Limits.MAX_DOCUMENT_BYTES;

  /** A result being read: the documents, how far the reader got, and when it last asked. */
  private static final class Cursor {
    final String ns;
    final List<BsonDocument> docs;
    final UnaryOperator<BsonDocument> shape;
    int next;
    int lastBatchStart = -1;
    BsonArray lastBatch = new BsonArray();
    volatile long lastUsedNanos;

    Cursor(String ns, List<BsonDocument> docs, UnaryOperator<BsonDocument> shape, long now) {
      this.ns = ns;
      this.docs = docs;
      this.shape = shape;
      this.lastUsedNanos = now;
    }
  }

  private final Map<Long, Cursor> open = new ConcurrentHashMap<>();
  private final LongSupplier randomIds;
  private final LongSupplier nanoClock;

  /** @param randomIds random longs for cursor ids (a SecureRandom's: apply code may not own a Random) */
  public FindCursors(LongSupplier nanoClock, LongSupplier randomIds) {
    this.nanoClock = nanoClock;
    this.randomIds = randomIds;
  }

  /** Whether the command is a {@code getMore} or {@code killCursors} of these cursors (rather than a change stream's). */
  public static boolean handles(BsonDocument command) {
    return switch (command.isEmpty() ? "" : command.getFirstKey()) {
      case "getMore" -> owns(command.get("getMore"));
      case "killCursors" -> command.isArray("cursors") && !command.getArray("cursors").isEmpty()
          && owns(command.getArray("cursors").get(0));
      default -> false;
    };
  }

  /** Whether a cursor id is one of these (rather than a change stream's). */
  public static boolean owns(BsonValue id) {
    return id != null && id.isNumber() && (id.asNumber().longValue() & ID_BIT) != 0;
  }

  public int openCursors() {
    return open.size();
  }

  /**
   * The reply to a read whose result is {@code docs} (each shaped on its way out): the first batch,
   * and a cursor for the rest unless it all fits or {@code singleBatch} is asked.
   */
  BsonDocument firstBatch(String ns, List<BsonDocument> docs, UnaryOperator<BsonDocument> shape, int batchSize, boolean singleBatch) {
    expireIdle();
    Cursor cursor = new Cursor(ns, new ArrayList<>(docs), shape, nanoClock.getAsLong());
    BsonArray batch = fill(cursor, batchSize < 0 ? DEFAULT_FIRST_BATCH : batchSize);
    long id = 0;
    if (cursor.next < docs.size() && !singleBatch) {
      do {
        id = ID_BIT | (randomIds.getAsLong() & (ID_BIT - 1));
      } while (open.putIfAbsent(id, cursor) != null);
      closeLeastRecentlyUsedOverLimit();
    }
    return reply(ns, id, "firstBatch", batch);
  }

  /** {@code {getMore: <id>, collection: <name>, batchSize}}: the next batch of an open cursor. */
  public BsonDocument getMore(BsonDocument command) {
    expireIdle();
    BsonValue idValue = command.get("getMore");
    if (!owns(idValue)) {
      throw new SluiceException(ErrorCode.TYPE_MISMATCH, "getMore takes the id (a long) of an open cursor, got " + idValue);
    }
    long id = idValue.asNumber().longValue();
    Cursor cursor = open.get(id);
    if (cursor == null) {
      throw new SluiceException(ErrorCode.CURSOR_NOT_FOUND, "cursor id " + id + " not found on this node (all read, killed, idle "
          + "for more than " + IDLE_TIMEOUT.toMinutes() + " minutes, or the node restarted); run the query again");
    }
    BsonValue collection = command.get("collection");
    BsonValue db = command.get("$db");
    String ns = (db != null && db.isString() ? db.asString().getValue() : "") + "."
        + (collection != null && collection.isString() ? collection.asString().getValue() : "");
    if (!ns.equals(cursor.ns)) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "Requested getMore on namespace '" + ns + "', but cursor " + id + " belongs to '"
          + cursor.ns + "'");
    }
    BsonValue batchSize = command.get("batchSize");
    if (batchSize != null && (!batchSize.isNumber() || batchSize.asNumber().longValue() <= 0)) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "Batch size for getMore must be positive, but received: " + batchSize);
    }
    BsonValue offset = command.get(OFFSET);
    synchronized (cursor) {
      if (open.get(id) != cursor) {
        throw new SluiceException(ErrorCode.CURSOR_NOT_FOUND, "cursor id " + id + " was closed while this getMore waited");
      }
      cursor.lastUsedNanos = nanoClock.getAsLong();
      if (offset != null && offset.isNumber() && offset.asNumber().longValue() == cursor.lastBatchStart
          && cursor.lastBatchStart != cursor.next) {
        return reply(cursor.ns, id, "nextBatch", cursor.lastBatch); // the same getMore again: its answer was lost
      }
      if (offset != null && (!offset.isNumber() || offset.asNumber().longValue() != cursor.next)) {
        open.remove(id);
        throw new SluiceException(ErrorCode.CURSOR_NOT_FOUND, "getMore of cursor " + id + " expected the documents from "
            + (offset.isNumber() ? String.valueOf(offset.asNumber().longValue()) : offset.toString()) + ", but the cursor is at "
            + cursor.next + "; run the query again");
      }
      try {
        cursor.lastBatchStart = cursor.next;
        cursor.lastBatch = fill(cursor, batchSize == null ? Integer.MAX_VALUE : (int) Math.min(Integer.MAX_VALUE, batchSize.asNumber().longValue()));
      } catch (RuntimeException e) {
        open.remove(id, cursor);
        throw e;
      }
      boolean exhausted = cursor.next >= cursor.docs.size();
      if (exhausted) {
        open.remove(id, cursor);
      }
      return reply(cursor.ns, exhausted ? 0 : id, "nextBatch", cursor.lastBatch);
    }
  }

  /** {@code {killCursors: <collection>, cursors: [ids]}}. */
  public BsonDocument kill(BsonDocument command) {
    return Replies.killCursors(command, id -> (id & ID_BIT) != 0 && open.remove(id) != null);
  }

  /** Up to {@code count} more documents, and at most 16 MiB of them (at least one, which fits a reply by itself). */
  private static BsonArray fill(Cursor cursor, int count) {
    BsonArray batch = new BsonArray();
    long bytes = 0;
    while (cursor.next < cursor.docs.size() && batch.size() < count) {
      BsonDocument shaped = cursor.shape.apply(cursor.docs.get(cursor.next));
      // The document, its type byte and its index as the array's key: what it adds to the reply.
      int size = DocumentLimits.encodedSize(shaped) + 2 + Integer.toString(batch.size()).length();
      if (size > MAX_BATCH_BYTES) {
        throw new SluiceException(ErrorCode.BSON_OBJECT_TOO_LARGE, "a result document of " + cursor.ns + " is " + size
            + " bytes, over the " + MAX_BATCH_BYTES + " a reply may hold; project fewer fields or collect less per group");
      }
      bytes += size;
      if (bytes > MAX_BATCH_BYTES && !batch.isEmpty()) {
        break;
      }
      cursor.docs.set(cursor.next++, null); // read: let it go
      batch.add(shaped);
    }
    return batch;
  }

  /** Closes the cursors unused for {@link #IDLE_TIMEOUT}; also called on a timer, so an idle node lets them go. */
  public void expireIdle() {
    long now = nanoClock.getAsLong();
    open.values().removeIf(c -> now - c.lastUsedNanos > IDLE_TIMEOUT.toNanos());
  }

  private void closeLeastRecentlyUsedOverLimit() {
    while (open.size() > MAX_OPEN) {
      open.entrySet().stream().min((a, b) -> Long.compare(a.getValue().lastUsedNanos, b.getValue().lastUsedNanos))
          .ifPresent(oldest -> open.remove(oldest.getKey()));
    }
  }

  private static BsonDocument reply(String ns, long id, String batchField, BsonArray batch) {
    return Replies.ok().append("cursor", new BsonDocument(batchField, batch).append("id", new BsonInt64(id)).append("ns", new BsonString(ns)));
  }
}
