package io.sluice.statemachine.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.protocol.BsonBytes;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.Replies;
import io.sluice.statemachine.storage.SessionTable.ClientCall;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapdb.BTreeMap;
import org.mapdb.Serializer;

/**
 * One entry per session, its latest call: a retry of it gets its reply, an older call is refused, a
 * newer one is new. Held in memory and saved when the file is flushed, so a reopen must find what a
 * flush or a clean close saved, and nothing it forgot.
 */
class MapDbSessionTableTest {
  private static final byte[] CLIENT = ByteBuffer.allocate(16).putLong(7).putLong(9).array();

  @TempDir
  Path dir;

  @Test
  void theLatestCallIsAnsweredWithItsReplyAndANewerOneIsNew() {
    SessionTable sessions = MapDbDocumentStore.inMemory().sessions();
    assertThat(sessions.answered(call(CLIENT, 5))).isEmpty();
    sessions.record(call(CLIENT, 5), 1_000, reply(5));

    assertThat(sessions.answered(call(CLIENT, 5))).contains(reply(5));
    assertThat(sessions.answered(call(CLIENT, 6))).isEmpty();
    assertThat(sessions.answered(call(new byte[16], 5))).as("another session").isEmpty();

    sessions.record(call(CLIENT, 9), 1_001, reply(9));
    assertThat(sessions.answered(call(CLIENT, 9))).contains(reply(9));
    assertThat(sessions.count()).isEqualTo(1);
  }

  @Test
  void aCallOlderThanItsSessionsLatestIsRefusedAsTooOld() {
    SessionTable sessions = MapDbDocumentStore.inMemory().sessions();
    sessions.record(call(CLIENT, 5), 1_000, reply(5));
    sessions.record(call(CLIENT, 9), 1_000, reply(9));

    BsonDocument refusal = sessions.answered(call(CLIENT, 5)).orElseThrow();

    assertThat(Replies.toException(refusal).errorCode()).isEqualTo(ErrorCode.TRANSACTION_TOO_OLD);
    assertThat(refusal.getString("errmsg").getValue()).contains("txnNumber 5", "latest write (txnNumber 9)", "00000000-0000-0007-0000-000000000009");
  }

  @Test
  void sessionsSavedByACloseAreFoundAfterAReopenAndExpiredOnesAreNot() {
    MapDbDocumentStore store = MapDbDocumentStore.open(dir);
    store.sessions().record(call(client(1), 40), 1_000, reply(40));
    store.sessions().record(call(client(2), 41), 2_000, reply(41));
    store.sessions().record(call(client(3), 7), 3_000, reply(7));
    store.sessions().expireBefore(1_500);
    store.close();

    MapDbDocumentStore reopened = MapDbDocumentStore.open(dir);
    try {
      assertThat(reopened.sessions().count()).isEqualTo(2);
      assertThat(reopened.sessions().answered(call(client(1), 40))).as("expired").isEmpty();
      assertThat(reopened.sessions().answered(call(client(2), 41))).contains(reply(41));
      assertThat(reopened.sessions().answered(call(client(3), 7))).contains(reply(7));
      reopened.sessions().expireBefore(2_500);
      assertThat(reopened.sessions().answered(call(client(2), 41))).as("times kept across the reopen").isEmpty();
    } finally {
      reopened.close();
    }
  }

  /** A checkpoint flushes the file: what changed after it is saved by the next flush, replaced and removed entries too. */
  @Test
  void eachFlushSavesWhatChangedSinceTheLastOne() {
    MapDbFile file = MapDbFile.open(dir.resolve("store.mapdb"));
    file.sessions().record(call(client(1), 1), 1_000, reply(1));
    file.sessions().record(call(client(2), 1), 1_000, reply(1));
    file.flush();
    file.sessions().record(call(client(1), 2), 2_000, reply(2));
    file.sessions().expireBefore(1_500);
    file.sessions().record(call(client(3), 1), 2_000, reply(1));
    file.flush();
    file.close();

    MapDbFile reopened = MapDbFile.open(dir.resolve("store.mapdb"));
    try {
      assertThat(reopened.sessions().count()).isEqualTo(2);
      assertThat(reopened.sessions().answered(call(client(1), 2))).contains(reply(2));
      assertThat(reopened.sessions().answered(call(client(2), 1))).as("expired after the first flush").isEmpty();
      assertThat(reopened.sessions().answered(call(client(3), 1))).contains(reply(1));
      assertThat(reopened.db().treeMap(MapDbSessionTable.SAVED, new FixedWidthKeys(16), Serializer.BYTE_ARRAY).open()).hasSize(2);
    } finally {
      reopened.close();
    }
  }

  @Test
  void manySessionsAreAllFound() {
    SessionTable sessions = MapDbDocumentStore.inMemory().sessions();
    int clients = 12_000;
    for (int c = 0; c < clients; c++) {
      sessions.record(call(client(c), 1), 1_000 + c, reply(c));
    }
    for (int c = 0; c < clients; c++) {
      assertThat(sessions.answered(call(client(c), 1))).as("client %d", c).contains(reply(c));
      assertThat(sessions.answered(call(client(c), 2))).isEmpty();
    }
    assertThat(sessions.count()).isEqualTo(clients);
  }

  /** Beyond its capacity the table forgets the session idle longest, not the one just recorded. */
  @Test
  void beyondItsCapacityTheSessionIdleLongestIsForgotten() {
    MapDbFile file = MapDbFile.inMemory();
    MapDbSessionTable sessions = new MapDbSessionTable(file.db(), new BatchedFrees(file.db().getStore()), metaOf(file),
        new MapDbSessionTable.Capacity(3, 1L << 20));
    sessions.record(call(client(1), 1), 1_000, reply(1));
    sessions.record(call(client(2), 1), 2_000, reply(1));
    sessions.record(call(client(3), 1), 3_000, reply(1));
    sessions.record(call(client(1), 2), 4_000, reply(2));

    sessions.record(call(client(4), 1), 5_000, reply(1));

    assertThat(sessions.count()).isEqualTo(3);
    assertThat(sessions.answered(call(client(2), 1))).as("idle longest").isEmpty();
    assertThat(sessions.answered(call(client(1), 2))).contains(reply(2));
    assertThat(sessions.answered(call(client(4), 1))).contains(reply(1));
    assertThat(sessions.forgottenEarly()).isEqualTo(1);
  }

  @Test
  void beyondItsReplyBytesTheSessionsIdleLongestAreForgotten() {
    MapDbFile file = MapDbFile.inMemory();
    int replyBytes = BsonBytes.encode(reply(1)).length;
    MapDbSessionTable sessions = new MapDbSessionTable(file.db(), new BatchedFrees(file.db().getStore()), metaOf(file),
        new MapDbSessionTable.Capacity(100, 3L * replyBytes));
    for (int c = 1; c <= 5; c++) {
      sessions.record(call(client(c), 1), 1_000 + c, reply(1));
    }

    assertThat(sessions.count()).isEqualTo(3);
    assertThat(sessions.answered(call(client(2), 1))).isEmpty();
    assertThat(sessions.answered(call(client(3), 1))).contains(reply(1));
    BsonDocument large = new BsonDocument("writeErrors", new org.bson.BsonString("x".repeat(10 * replyBytes)));
    sessions.record(call(client(6), 1), 2_000, large);
    assertThat(sessions.count()).as("a reply larger than the budget is not kept either").isZero();
    assertThat(sessions.forgottenEarly()).as("2, then 3 for the large reply's room, then itself").isEqualTo(6);
  }

  /** A leader whose clock is behind the last one's records calls older than those already there. */
  @Test
  void aCallRecordedWithAnOlderTimeThanAnyExpiresWhenDue() {
    SessionTable sessions = MapDbDocumentStore.inMemory().sessions();
    sessions.record(call(client(1), 1), 100, reply(1));
    sessions.expireBefore(50);
    sessions.record(call(client(2), 2), 10, reply(2));

    sessions.expireBefore(60);

    assertThat(sessions.answered(call(client(2), 2))).isEmpty();
    assertThat(sessions.answered(call(client(1), 1))).contains(reply(1));
    assertThat(sessions.count()).isEqualTo(1);
  }

  /** A session's time is its latest call's: a session in use does not expire with its first call's time. */
  @Test
  void aSessionExpiresByItsLatestCallsTime() {
    SessionTable sessions = MapDbDocumentStore.inMemory().sessions();
    sessions.record(call(CLIENT, 1), 1_000, reply(1));
    sessions.record(call(CLIENT, 2), 3_000, reply(2));

    sessions.expireBefore(2_000);
    assertThat(sessions.answered(call(CLIENT, 2))).contains(reply(2));
    sessions.expireBefore(3_001);
    assertThat(sessions.answered(call(CLIENT, 2))).isEmpty();
    assertThat(sessions.count()).isZero();
  }

  /** Stores written before this layout kept every call: each session's latest is kept, and the old trees are deleted. */
  @Test
  void theFormerLayoutIsFoldedIntoEachSessionsLatestCall() {
    Path file = dir.resolve("store.mapdb");
    MapDbFile old = MapDbFile.open(file);
    writeFormerLayout(old, new long[][] {{1, 3, 1_000}, {1, 4, 1_100}, {2, 8, 1_200}, {1, 2, 1_300}});
    old.close();

    MapDbFile reopened = MapDbFile.open(file);
    try {
      assertThat(reopened.sessions().count()).isEqualTo(2);
      assertThat(reopened.sessions().answered(call(client(1), 4))).contains(reply(4));
      assertThat(Replies.toException(reopened.sessions().answered(call(client(1), 3)).orElseThrow()).errorCode())
          .isEqualTo(ErrorCode.TRANSACTION_TOO_OLD);
      assertThat(reopened.sessions().answered(call(client(2), 8))).contains(reply(8));
      reopened.sessions().expireBefore(1_150);
      assertThat(reopened.sessions().answered(call(client(1), 4))).as("kept with its own time").isEmpty();
      for (String former : List.of("sessionReplies", "sessions", "sessionsByTime")) {
        assertThat(RenewableTree.exists(reopened.db(), metaOf(reopened), former)).as("the former tree %s, deleted", former).isFalse();
      }
    } finally {
      reopened.close();
    }
    MapDbFile again = MapDbFile.open(file);
    try {
      assertThat(again.sessions().count()).as("saved in the new layout, not folded again").isEqualTo(1);
    } finally {
      again.close();
    }
  }

  /** A store of the former layout with more sessions than the table keeps: the oldest beyond its capacity are dropped at once. */
  @Test
  void aFoldedFormerLayoutIsKeptWithinTheTablesCapacity() {
    MapDbFile old = MapDbFile.inMemory();
    writeFormerLayout(old, new long[][] {{1, 1, 1_001}, {2, 1, 1_002}, {3, 1, 1_003}, {4, 1, 1_004}, {5, 1, 1_005}});

    MapDbSessionTable sessions = new MapDbSessionTable(old.db(), new BatchedFrees(old.db().getStore()), metaOf(old),
        new MapDbSessionTable.Capacity(3, 1L << 20));

    assertThat(sessions.count()).isEqualTo(3);
    assertThat(sessions.forgottenEarly()).as("dropped on opening, not counted as forgotten early").isZero();
    assertThat(sessions.answered(call(client(2), 1))).isEmpty();
    assertThat(sessions.answered(call(client(3), 1))).contains(reply(1));
    assertThat(sessions.answered(call(client(5), 1))).contains(reply(1));
  }

  /** Writes calls {client, call number, wall time} as stores kept them until 2026-12-06 (see {@link LegacySessionTrees}); each call's reply is {n: its number}. */
  private static void writeFormerLayout(MapDbFile file, long[][] calls) {
    RecordMap<byte[]> replies = new RecordMap<>(file.db(), new BatchedFrees(file.db().getStore()), metaOf(file), "sessionReplies",
        new FixedWidthKeys(24), "sessions");
    RenewableTree<byte[], byte[]> byTime = new RenewableTree<>(file.db(), metaOf(file), "sessionsByTime", new FixedWidthKeys(32),
        Serializer.BYTE_ARRAY, false);
    for (long[] c : calls) {
      byte[] key = ByteBuffer.allocate(24).put(client((int) c[0])).putLong(c[1]).array();
      replies.put(key, BsonBytes.encode(reply(c[1])));
      byTime.put(ByteBuffer.allocate(32).putLong(c[2]).put(key).array(), new byte[0]);
    }
  }

  private static BTreeMap<String, byte[]> metaOf(MapDbFile file) {
    return file.db().treeMap("meta", Serializer.STRING, Serializer.BYTE_ARRAY).open();
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
