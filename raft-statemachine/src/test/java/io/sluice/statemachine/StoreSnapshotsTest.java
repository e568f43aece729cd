package io.sluice.statemachine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import io.sluice.protocol.Position;
import io.sluice.statemachine.storage.AppliedState;
import io.sluice.statemachine.storage.MapDbDocumentStore;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.server.storage.StorageImplUtils;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.SizeInBytes;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.apache.ratis.util.MD5FileUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreSnapshotsTest {
  @TempDir
  Path dir;

  @Test
  void theMd5OfASmallFileIsRatisOwn() throws Exception {
    Path file = dir.resolve("small");
    Files.write(file, "a snapshot is a copy of the store".repeat(100_000).getBytes());
    assertThat(StoreSnapshots.md5Of(file)).isEqualTo(MD5FileUtil.computeMd5ForFile(file.toFile()));
  }

  /** Ratis 3.3.0's own MD5 of a file throws past 2 GiB; a store, hence a snapshot, may be larger. */
  @Test
  void theMd5OfAFileOver2GiBIsComputed() throws Exception {
    long size = (2L << 30) + 12_345;
    Path file = dir.resolve("large");
    try (RandomAccessFile sparse = new RandomAccessFile(file.toFile(), "rw")) {
      sparse.setLength(size);
    }
    MessageDigest expected = MD5FileUtil.newMD5();
    byte[] zeros = new byte[1 << 20];
    for (long left = size; left > 0; left -= zeros.length) {
      expected.update(zeros, 0, (int) Math.min(zeros.length, left));
    }
    assertThat(StoreSnapshots.md5Of(file)).isEqualTo(MD5Hash.newInstance(expected.digest()));
  }

  @Test
  void aSnapshotWrittenWhileTheStoreChangesMatchesItsMd5AndHoldsTheStoreAsItWasWhenItStarted() throws Exception {
    MapDbDocumentStore store = filledStore();
    String atStart = store.digest();
    try (StoreSnapshots snapshots = snapshots(8 << 20)) {
      CompletableFuture<SingleFileSnapshotInfo> writing = snapshots.start(TermIndex.valueOf(1, 1), store);
      int i = 0;
      do {
        store.put("db.c", BsonDocument.parse("{_id: " + i + ", v: 'after the snapshot started'}"));
        i = (i + 1) % 3_000;
      } while (!writing.isDone());
      Path file = writing.join().getFile().getPath();
      assertThat(MD5FileUtil.readStoredMd5ForFile(file.toFile())).isEqualTo(StoreSnapshots.md5Of(file));
      assertThat(snapshots.latest().getIndex()).isEqualTo(1);
      MapDbDocumentStore restored = MapDbDocumentStore.open(dir.resolve("restored"));
      restored.restore(file);
      assertThat(restored.digest()).isEqualTo(atStart).isNotEqualTo(store.digest());
      restored.close();
    } finally {
      store.close();
    }
  }

  @Test
  void anAbandonedSnapshotStopsLeavesNoFileAndIsNotTheLatest() throws Exception {
    MapDbDocumentStore store = filledStore();
    try (StoreSnapshots snapshots = snapshots(1 << 20)) {
      CompletableFuture<SingleFileSnapshotInfo> writing = snapshots.start(TermIndex.valueOf(1, 1), store);
      snapshots.abandon(writing);
      assertThatThrownBy(writing::join).isInstanceOf(CompletionException.class).hasMessageContaining("a snapshot from the leader replaces it");
      assertThat(snapshots.latest()).isNull();
      try (var files = Files.list(dir.resolve("raft/sm"))) {
        assertThat(files.toList()).isEmpty();
      }
    } finally {
      store.close();
    }
  }

  private MapDbDocumentStore filledStore() {
    return filledStore(dir);
  }

  private StoreSnapshots snapshots(long bytesPerSecond) throws Exception {
    return snapshots(dir, bytesPerSecond);
  }

  /** About 4 MiB of documents (64 chunks of a checkpoint), applied up to (1, 1). */
  static MapDbDocumentStore filledStore(Path dir) {
    MapDbDocumentStore store = MapDbDocumentStore.open(dir.resolve("store"));
    store.createCollection("db.c", new BsonDocument());
    for (int i = 0; i < 3_000; i++) {
      store.put("db.c", new BsonDocument("_id", new BsonInt32(i)).append("pad", new org.bson.BsonString("x".repeat(1_000))));
    }
    store.setApplied(new AppliedState(new Position(1, 1), new org.bson.BsonTimestamp(1, 1)));
    return store;
  }

  /** Snapshots in a new Raft storage under {@code dir}, written at {@code bytesPerSecond}. */
  static StoreSnapshots snapshots(Path dir, long bytesPerSecond) throws Exception {
    RaftStorage storage = StorageImplUtils.newRaftStorage(dir.resolve("raft").toFile(), SizeInBytes.ZERO,
        RaftStorage.StartupOption.FORMAT, RaftServerConfigKeys.Log.CorruptionPolicy.EXCEPTION);
    storage.initialize();
    StoreSnapshots snapshots = new StoreSnapshots();
    snapshots.init(storage, 2, bytesPerSecond);
    return snapshots;
  }
}
