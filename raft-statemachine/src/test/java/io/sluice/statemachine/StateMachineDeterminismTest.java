package io.sluice.statemachine;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.Position;
import io.sluice.protocol.Replies;
import io.sluice.statemachine.changestream.ChangeHub;
import io.sluice.statemachine.changestream.HistoryWindow;
import io.sluice.statemachine.command.LogEntry;
import io.sluice.statemachine.command.WriteStamper;
import io.sluice.statemachine.storage.DocumentStore;
import io.sluice.statemachine.storage.Checkpoint;
import io.sluice.statemachine.storage.MapDbDocumentStore;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.bson.BsonDocument;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two replicas that apply the same log must end in the same state and answer every entry alike. The
 * log is made by a seeded generator and stamped once, as the leader would; each replica applies the
 * entry's bytes the way {@link SluiceStateMachine#applyTransaction} does, committing after each one.
 */
class StateMachineDeterminismTest {
  @TempDir
  Path dir;

  private static final int ENTRIES = 200;
  /** Shorter than the log's span of wall time (a minute or two), so that sessions expire. */
  private static final Duration SESSION_LIFETIME = Duration.ofSeconds(20);
  private static final String[] COLLECTIONS = {"a", "b", "c"};

  /**
   * Random write commands, valid and not, over a few collections and a small _id space so they collide;
   * most in one of a few sessions, numbered on, resent, or older than the session's latest.
   */
  private static final class Generator {
    private final Random random;
    private final long[] latestTxn = new long[3];

    Generator(long seed) {
      random = new Random(seed);
    }

    private String coll() {
      return "'" + COLLECTIONS[random.nextInt(COLLECTIONS.length)] + "'";
    }

    private String id() {
      int n = random.nextInt(15);
      return switch (random.nextInt(4)) {
        case 0 -> n + ".0";
        case 1 -> "NumberLong(" + n + ")";
        case 2 -> "'k" + n + "'";
        default -> Integer.toString(n);
      };
    }

    private String value() {
      return switch (random.nextInt(4)) {
        case 0 -> Integer.toString(random.nextInt(100) - 50);
        case 1 -> "'" + (char) ('a' + random.nextInt(26)) + random.nextInt(10) + "'";
        case 2 -> "{x: " + random.nextInt(5) + ", y: [1, 'two']}";
        default -> random.nextInt(10) + ".5";
      };
    }

    private String filter() {
      return switch (random.nextInt(5)) {
        case 0 -> "{}";
        case 1 -> "{_id: " + id() + "}";
        case 2 -> "{n: {$gt: " + (random.nextInt(40) - 20) + "}}";
        case 3 -> "{g: " + random.nextInt(3) + "}";
        default -> "{g: " + random.nextInt(3) + ", n: {$lte: " + random.nextInt(30) + "}}";
      };
    }

    private String document() {
      String id = random.nextInt(6) == 0 ? "" : "_id: " + id() + ", ";
      return "{" + id + "g: " + random.nextInt(3) + ", n: " + (random.nextInt(40) - 20) + ", v: " + value() + "}";
    }

    private String updateStatement() {
      String u = switch (random.nextInt(6)) {
        case 0 -> "{$set: {v: " + value() + "}}";
        case 1 -> "{$inc: {n: " + (random.nextInt(7) - 3) + "}}";
        case 2 -> "{$unset: {v: ''}}";
        case 3 -> "{$set: {'w.z': " + value() + "}, $inc: {m: 1}}";
        case 4 -> "{$set: {_id: 99}}";
        default -> "{g: " + random.nextInt(3) + ", r: " + value() + "}";
      };
      boolean replacement = !u.startsWith("{$");
      return "{q: " + filter() + ", u: " + u + (!replacement && random.nextBoolean() ? ", multi: true" : "")
          + (random.nextInt(3) == 0 ? ", upsert: true" : "") + "}";
    }

    String next() {
      String command = command();
      if (random.nextInt(10) < 3) {
        return command;
      }
      int session = random.nextInt(latestTxn.length);
      int turn = random.nextInt(100);
      long txn = turn < 70 ? latestTxn[session] += 1 + random.nextInt(2)
          : turn < 85 ? latestTxn[session] : Math.max(0, latestTxn[session] - 1 - random.nextInt(3));
      return command.substring(0, command.length() - 1) + ", lsid: {id: UUID('00000000-0000-0000-0000-00000000000" + session
          + "')}, txnNumber: NumberLong(" + txn + ")}";
    }

    private String command() {
      int kind = random.nextInt(100);
      String db = ", '$db': '" + (random.nextInt(10) == 0 ? "db2" : "db") + "'";
      StringBuilder list = new StringBuilder("[");
      int size = 1 + random.nextInt(3);
      if (kind < 35) {
        for (int i = 0; i < size; i++) {
          list.append(i > 0 ? ", " : "").append(random.nextInt(20) == 0 ? "7" : document());
        }
        return "{insert: " + coll() + ", documents: " + list + "], ordered: " + random.nextBoolean() + db + "}";
      } else if (kind < 65) {
        for (int i = 0; i < size; i++) {
          list.append(i > 0 ? ", " : "").append(updateStatement());
        }
        return "{update: " + coll() + ", updates: " + list + "], ordered: " + random.nextBoolean() + db + "}";
      } else if (kind < 80) {
        int limit = random.nextInt(8) == 0 ? 5 : random.nextInt(2);
        return "{delete: " + coll() + ", deletes: [{q: " + filter() + ", limit: " + limit + "}]" + db + "}";
      } else if (kind < 87) {
        return "{create: " + coll() + db + "}";
      } else if (kind < 92) {
        return "{drop: " + coll() + db + "}";
      } else if (kind < 95) {
        return "{insert: " + coll() + ", documents: [" + document() + "]}"; // no $db
      } else if (kind < 97) {
        return "{compact: " + coll() + db + "}";
      } else {
        return "{update: " + coll() + ", updates: [{q: {}, u: {$rename: {a: 'b'}}}]" + db + "}";
      }
    }
  }

  /** A replica that applies entries with the state machine's own applier. */
  private static final class Replica {
    MapDbDocumentStore store;
    EntryApplier applier;

    Replica(MapDbDocumentStore store) {
      use(store);
    }

    private void use(MapDbDocumentStore store) {
      this.store = store;
      this.applier = new EntryApplier(store, HistoryWindow.DEFAULT, new ChangeHub(store.appliedState().position().index(), 1000,
          1L << 20, Runnable::run), SESSION_LIFETIME);
    }

    BsonDocument apply(Position position, byte[] encodedEntry) {
      return applier.apply(position, LogEntry.decode(ByteBuffer.wrap(encodedEntry)));
    }

    /** Goes on from a checkpoint of its store, restored into a new store elsewhere: as a node does from a snapshot. */
    void continueFromCheckpoint(Path dir) {
      Path checkpoint = dir.resolve("checkpoint");
      try (Checkpoint copy = store.checkpoint(checkpoint)) {
        copy.finish(chunk -> {});
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      store.close();
      MapDbDocumentStore restored = MapDbDocumentStore.open(dir.resolve("restored"));
      restored.restore(checkpoint);
      use(restored);
    }
  }

  /** The log: generated commands, stamped once by a leader whose ids come from a counter. */
  private static List<byte[]> log(long seed) {
    Generator generator = new Generator(seed);
    AtomicInteger counter = new AtomicInteger();
    WriteStamper stamper = new WriteStamper(() -> new ObjectId(String.format("%024x", counter.incrementAndGet())));
    Random clock = new Random(seed ^ 0x5eed);
    long wall = 1_700_000_000_000L;
    List<byte[]> entries = new ArrayList<>();
    for (int i = 0; i < ENTRIES; i++) {
      wall += clock.nextInt(1500) - (clock.nextInt(20) == 0 ? 5000 : 300);
      entries.add(stamper.stamp(LogEntry.toBytes(BsonDocument.parse(generator.next())), wall).encode());
    }
    return entries;
  }

  private static List<BsonDocument> replay(Replica replica, List<byte[]> log) {
    List<BsonDocument> replies = new ArrayList<>();
    for (int i = 0; i < log.size(); i++) {
      replies.add(replica.apply(new Position(1 + i / 50, i + 1), log.get(i).clone()));
    }
    return replies;
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 42, 20240601, -7})
  void replicasApplyingTheSameLogAgreeOnEveryReplyAndTheFinalState(long seed) {
    List<byte[]> log = log(seed);
    // A replica restored from a snapshot half way must not differ in anything it shows.
    Replica one = new Replica(MapDbDocumentStore.inMemory());
    Replica two = new Replica(MapDbDocumentStore.open(dir.resolve("two")));
    try {
      List<BsonDocument> first = new ArrayList<>();
      List<BsonDocument> second = new ArrayList<>();
      for (int i = 0; i < log.size(); i++) {
        Position position = new Position(1 + i / 50, i + 1);
        first.add(one.apply(position, log.get(i).clone()));
        second.add(two.apply(position, log.get(i).clone()));
        assertThat(second.get(i).toJson()).as("reply to entry %d", i).isEqualTo(first.get(i).toJson());
        if (i % 25 == 0) {
          assertThat(two.store.digest()).as("digest after entry %d", i).isEqualTo(one.store.digest());
        }
        if (i == log.size() / 2) {
          two.continueFromCheckpoint(dir);
          assertThat(two.store.digest()).as("digest after the restore").isEqualTo(one.store.digest());
        }
      }
      assertThat(two.store.digest()).isEqualTo(one.store.digest());
      assertThat(two.store.appliedState()).isEqualTo(one.store.appliedState());
      assertThat(one.store.appliedState().position().index()).isEqualTo(ENTRIES);
      assertThat(contents(two.store)).isEqualTo(contents(one.store));
      assertNonTrivial(first, one.store);
    } finally {
      one.store.close();
      two.store.close();
    }
  }

  /** Guards against a generator so weak that agreement proves nothing. */
  private static void assertNonTrivial(List<BsonDocument> replies, DocumentStore store) {
    long ok = replies.stream().filter(Replies::isOk).filter(r -> !r.containsKey("writeErrors")).count();
    long failed = replies.stream().filter(r -> !Replies.isOk(r)).count();
    long partial = replies.stream().filter(r -> r.containsKey("writeErrors")).count();
    long upserts = replies.stream().filter(r -> r.containsKey("upserted")).count();
    long tooOld = replies.stream().filter(r -> !Replies.isOk(r) && Replies.toException(r).errorCode() == ErrorCode.TRANSACTION_TOO_OLD).count();
    assertThat(ok).isGreaterThan(50);
    assertThat(failed).isPositive();
    assertThat(partial).isPositive();
    assertThat(upserts).isPositive();
    assertThat(tooOld).isPositive();
    assertThat(store.collections()).isNotEmpty();
    assertThat(store.collections().keySet().stream().mapToLong(store::count).sum()).isPositive();
  }

  private static String contents(DocumentStore store) {
    StringBuilder out = new StringBuilder();
    store.collections().forEach((ns, options) -> {
      out.append(ns).append(options.toJson()).append('\n');
      store.scan(ns).forEachRemaining(d -> out.append(d.toJson()).append('\n'));
    });
    return out.toString();
  }

  @Test
  void differentLogsGiveDifferentDigests() {
    Replica one = new Replica(MapDbDocumentStore.inMemory());
    Replica two = new Replica(MapDbDocumentStore.inMemory());
    try {
      replay(one, log(1));
      replay(two, log(2));
      assertThat(two.store.digest()).isNotEqualTo(one.store.digest());
    } finally {
      one.store.close();
      two.store.close();
    }
  }
}
