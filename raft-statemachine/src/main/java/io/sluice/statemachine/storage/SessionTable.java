package io.sluice.statemachine.storage;

import java.util.Optional;
import org.bson.BsonDocument;

/**
 * The replies of recently applied writes, by the call that sent them: the write's own session fields
 * ({@code lsid} and {@code txnNumber}, which a client keeps when it resends), or else the Raft client
 * id and call id. Ratis'
 * retry cache answers a retried write only while it remembers it, in memory, on the node that is
 * leader; this table is part of the replicated state, so a write retried after a leader restart or
 * a failover is still applied once: the apply path finds it here and answers with the first reply.
 * Entries expire by the log entries' own wall times, so expiry is the same on every replica.
 */
public interface SessionTable {

  /** The reply recorded for this call, if it was applied within the table's lifetime. */
  Optional<BsonDocument> reply(ClientCall call);

  /** Records the reply of a call applied at {@code wallTimeMillis} (the entry's time). */
  void record(ClientCall call, long wallTimeMillis, BsonDocument reply);

  /** Forgets calls applied before {@code wallTimeMillis}. */
  void expireBefore(long wallTimeMillis);

  long count();

  /** A client's id (16 bytes: a Raft client id or a session's UUID) and the number of one call from it. */
  record ClientCall(byte[] clientId, long callId) {
    public ClientCall {
      if (clientId.length != 16) {
        throw new IllegalArgumentException("a client id has 16 bytes, got " + clientId.length);
      }
    }
  }
}
