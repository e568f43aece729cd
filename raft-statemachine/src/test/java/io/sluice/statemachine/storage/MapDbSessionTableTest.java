package io.sluice.statemachine.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.statemachine.storage.SessionTable.ClientCall;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Optional;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The session table skips the lookup of a call numbered above its client's highest recorded one, and
 * the expiry descent while nothing is due: a retry must still find its reply, and a due call expire.
 */
class MapDbSessionTableTest {
  private static final byte[] CLIENT = ByteBuffer.allocate(16).putLong(7).putLong(9).array();

  @TempDir
  Path dir;

  @Test
  void callsRecordedOutOfOrderAreFoundAndOnlyNewOnesAreNot() {
    SessionTable sessions = MapDbDocumentStore.inMemory().sessions();
    assertThat(sessions.reply(call(CLIENT, 5))).isEmpty();
    sessions.record(call(CLIENT, 5), 1_000, reply(5));
    sessions.record(call(CLIENT, 9), 1_000, reply(9));
    sessions.record(call(CLIENT, 3), 1_000, reply(3));

    assertThat(sessions.reply(call(CLIENT, 3))).contains(reply(3));
    assertThat(sessions.reply(call(CLIENT, 5))).contains(reply(5));
    assertThat(sessions.reply(call(CLIENT, 9))).contains(reply(9));
    assertThat(sessions.reply(call(CLIENT, 4))).isEmpty();
    assertThat(sessions.reply(call(CLIENT, 10))).isEmpty();
    assertThat(sessions.reply(call(new byte[16], 5))).as("another client").isEmpty();
  }

  @Test
  void negativeCallNumbersAreLookedUp() {
    SessionTable sessions = MapDbDocumentStore.inMemory().sessions();
    sessions.record(call(CLIENT, 2), 1_000, reply(2));
    sessions.record(call(CLIENT, -4), 1_000, reply(-4));

    assertThat(sessions.reply(call(CLIENT, -4))).contains(reply(-4));
    assertThat(sessions.reply(call(CLIENT, 2))).contains(reply(2));
    assertThat(sessions.reply(call(CLIENT, 3))).isEmpty();
  }

  @Test
  void callsRecordedBeforeAReopenAreFoundAfterIt() {
    MapDbDocumentStore store = MapDbDocumentStore.open(dir);
    store.sessions().record(call(CLIENT, 40), 1_000, reply(40));
    store.sessions().record(call(CLIENT, 41), 1_000, reply(41));
    store.close();

    MapDbDocumentStore reopened = MapDbDocumentStore.open(dir);
    try {
      assertThat(reopened.sessions().reply(call(CLIENT, 42))).isEmpty();
      assertThat(reopened.sessions().reply(call(CLIENT, 41))).contains(reply(41));
      assertThat(reopened.sessions().reply(call(CLIENT, 40))).contains(reply(40));
    } finally {
      reopened.close();
    }
  }

  /** Many leaves, most of them emptied by expiry: each client's highest call is found across them after a reopen. */
  @Test
  void everyCallLeftAfterExpiryIsFoundAfterAReopen() {
    int clients = 300;
    int calls = 40;
    MapDbDocumentStore store = MapDbDocumentStore.open(dir);
    for (int n = 0; n < calls; n++) {
      for (int c = 0; c < clients; c++) {
        store.sessions().record(call(client(c), n), 1_000L * n + c, reply(n));
      }
    }
    store.sessions().expireBefore(1_000L * (calls - 3));
    store.close();

    MapDbDocumentStore reopened = MapDbDocumentStore.open(dir);
    try {
      for (int c = 0; c < clients; c++) {
        for (int n = 0; n < calls; n++) {
          assertThat(reopened.sessions().reply(call(client(c), n))).as("client %d call %d", c, n)
              .isEqualTo(n >= calls - 3 ? Optional.of(reply(n)) : Optional.empty());
        }
      }
    } finally {
      reopened.close();
    }
  }

  @Test
  void manyClientsAreAllFound() {
    SessionTable sessions = MapDbDocumentStore.inMemory().sessions();
    int clients = 12_000;
    for (int c = 0; c < clients; c++) {
      byte[] client = client(c);
      sessions.reply(call(client, 1));
      sessions.record(call(client, 1), 1_000, reply(c));
    }
    for (int c = 0; c < clients; c++) {
      byte[] client = client(c);
      assertThat(sessions.reply(call(client, 1))).as("client %d", c).contains(reply(c));
      assertThat(sessions.reply(call(client, 2))).isEmpty();
    }
  }

  /** A leader whose clock is behind the last one's records calls older than those already there. */
  @Test
  void aCallRecordedWithAnOlderTimeThanAnyExpiresWhenDue() {
    SessionTable sessions = MapDbDocumentStore.inMemory().sessions();
    sessions.record(call(CLIENT, 1), 100, reply(1));
    sessions.expireBefore(50);
    sessions.record(call(CLIENT, 2), 10, reply(2));

    sessions.expireBefore(60);

    assertThat(sessions.reply(call(CLIENT, 2))).isEmpty();
    assertThat(sessions.reply(call(CLIENT, 1))).contains(reply(1));
    assertThat(sessions.count()).isEqualTo(1);
  }

  @Test
  void callsRecordedAfterTheTableEmptiedExpireWhenDue() {
    SessionTable sessions = MapDbDocumentStore.inMemory().sessions();
    sessions.expireBefore(1_000);
    sessions.record(call(CLIENT, 1), 2_000, reply(1));
    sessions.record(call(CLIENT, 2), 3_000, reply(2));
    sessions.expireBefore(2_500);
    assertThat(sessions.count()).isEqualTo(1);
    sessions.expireBefore(3_500);
    assertThat(sessions.count()).isZero();
    sessions.record(call(CLIENT, 3), 4_000, reply(3));

    sessions.expireBefore(4_001);

    assertThat(sessions.count()).isZero();
    assertThat(sessions.reply(call(CLIENT, 3))).isEmpty();
  }

  private static byte[] client(int c) {
    return ByteBuffer.allocate(16).putInt(c).array();
  }

  private static ClientCall call(byte[] client, long n) {
    return new ClientCall(client, n);
  }

  private static BsonDocument reply(long n) {
    return new BsonDocument("n", new BsonInt64(n));
  }
}
