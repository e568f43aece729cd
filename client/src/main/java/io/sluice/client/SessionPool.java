package io.sluice.client;

import java.util.Deque;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedDeque;
import org.bson.BsonBinary;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.UuidRepresentation;

/**
 * This client's sessions for retryable writes, pooled as MongoDB's drivers pool theirs. A node keeps
 * one entry per session, its latest write and reply, and refuses a write numbered below it as too old;
 * so a session carries one write at a time, each numbered above the last, and concurrent writes take
 * as many sessions as are in flight. The session given back last is taken first, so that few stay in use.
 */
final class SessionPool {
  private final Deque<Session> idle = new ConcurrentLinkedDeque<>();

  /** A session's id ({@code lsid}) and the number of its latest write; used by one write at a time. */
  static final class Session {
    private final BsonDocument lsid = new BsonDocument("id", new BsonBinary(UUID.randomUUID(), UuidRepresentation.STANDARD));
    private long txnNumber;

    /** Adds this session's fields to a new write, numbered above every write sent on it before. */
    BsonDocument stamp(BsonDocument command) {
      return command.append("lsid", lsid).append("txnNumber", new BsonInt64(++txnNumber));
    }
  }

  /** A session no other write is using: an idle one, or a new one. */
  Session take() {
    Session session = idle.pollFirst();
    return session != null ? session : new Session();
  }

  /** Gives a session back once its write has an answer or was given up on. */
  void giveBack(Session session) {
    idle.addFirst(session);
  }
}
