package io.sluice.statemachine.storage;

import java.util.Optional;
import org.bson.BsonDocument;

/**
 * Each client session's latest retryable write and its reply, as MongoDB keeps them (its
 * {@code config.transactions}): a session is the write's {@code lsid}, and its writes are numbered by
 * {@code txnNumber}, one at a time, each above the last (a client runs concurrent writes on sessions
 * of a pool, as MongoDB's drivers do). Ratis' retry cache answers a retried write only while it
 * remembers it, in memory, on the node that is leader; this table is part of the replicated state, so
 * a write retried after a leader restart or a failover is still applied once: the apply path finds it
 * here and answers with the first reply. Sessions expire by the log entries' own wall times, so expiry
 * is the same on every replica.
 */
public interface SessionTable {

  /**
   * What a write from this call gets instead of being applied: the first reply when the call is its
   * session's latest (a retry), or a {@code TransactionTooOld} error when the session has moved on to
   * a newer one; empty for a call newer than any of its session's, which is applied.
   */
  Optional<BsonDocument> answered(ClientCall call);

  /** Records the reply of a call applied at {@code wallTimeMillis} (the entry's time): its session's latest now. */
  void record(ClientCall call, long wallTimeMillis, BsonDocument reply);

  /** Forgets the sessions whose latest call was applied before {@code wallTimeMillis}. */
  void expireBefore(long wallTimeMillis);

  /** How many sessions are remembered. */
  long count();

  /** A session's id (16 bytes: the UUID of a write's {@code lsid}) and the number of one write in it. */
  record ClientCall(byte[] clientId, long callId) {
    public ClientCall {
      if (clientId.length != 16) {
        throw new IllegalArgumentException("a client id has 16 bytes, got " + clientId.length);
      }
    }
  }
}
