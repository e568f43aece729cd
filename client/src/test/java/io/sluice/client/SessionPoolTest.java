package io.sluice.client;

import static org.assertj.core.api.Assertions.assertThat;

import org.bson.BsonDocument;
import org.junit.jupiter.api.Test;

class SessionPoolTest {
  private final SessionPool pool = new SessionPool();

  @Test
  void writesInFlightTogetherTakeDifferentSessions() {
    BsonDocument first = pool.take().stamp(new BsonDocument());
    BsonDocument second = pool.take().stamp(new BsonDocument());

    assertThat(first.get("lsid")).isNotEqualTo(second.get("lsid"));
  }

  @Test
  void aSessionGivenBackIsTakenAgainWithItsNextNumber() {
    SessionPool.Session session = pool.take();
    BsonDocument first = session.stamp(new BsonDocument());
    pool.giveBack(session);

    BsonDocument next = pool.take().stamp(new BsonDocument());

    assertThat(next.get("lsid")).isEqualTo(first.get("lsid"));
    assertThat(next.getInt64("txnNumber").getValue()).isGreaterThan(first.getInt64("txnNumber").getValue());
  }

  @Test
  void theSessionGivenBackLastIsTakenFirst() {
    SessionPool.Session older = pool.take();
    SessionPool.Session newer = pool.take();
    pool.giveBack(older);
    pool.giveBack(newer);

    assertThat(pool.take()).isSameAs(newer);
  }
}
