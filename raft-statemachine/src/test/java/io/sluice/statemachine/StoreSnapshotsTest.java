package io.sluice.statemachine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import io.sluice.protocol.Position;
import io.sluice.statemachine.storage.AppliedState;
import io.sluice.statemachine.storage.MapDbDocumentStore;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
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
  void aSnapshotWrittenWhileTheStoreChangesMatchesItsChecksumAndHoldsTheStoreAsItWasWhenItStarted() throws Exception {
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
      assertThat(Files.readString(SnapshotChecksum.fileFor(file)).trim()).isEqualTo(String.format("%08x", SnapshotChecksum.of(file)));
      assertThat(MD5FileUtil.getDigestFileForFile(file.toFile())).as("Ratis computes the MD5 when it sends it").doesNotExist();
      assertThat(snapshots.latest().getIndex()).isEqualTo(1);
      MapDbDocumentStore restored = MapDbDocumentStore.open(dir.resolve("restored"));
      restored.restore(file);
      assertThat(restored.digest()).isEqualTo(atStart).isNotEqualTo(store.digest());
      restored.close();
    } finally {
      store.close();
    }
  }

  /** Ratis' own storage would prefer the older snapshot: it has an MD5 file. */
  @Test
  void theLatestIsTheNewestCompleteSnapshotWhicheverItsChecksumAndOldOnesGoWithTheirChecksumFiles() throws Exception {
    MapDbDocumentStore store = filledStore();
    try (StoreSnapshots snapshots = snapshots(0)) {
      Path installed = installedSnapshot(1, 1);
      Path second = snapshots.start(TermIndex.valueOf(1, 2), store).join().getFile().getPath();
      assertThat(snapshots.storage().loadLatestSnapshot().getFile().getPath()).isEqualTo(second);
      assertThat(snapshots.latestIntact().getIndex()).isEqualTo(2);

      Path third = snapshots.start(TermIndex.valueOf(1, 3), store).join().getFile().getPath();
      assertThat(snapshotDirectory()).as("two kept: the newest two").containsExactlyInAnyOrder(second, third,
          SnapshotChecksum.fileFor(second), SnapshotChecksum.fileFor(third));
      assertThat(installed).doesNotExist();

      Path fourth = snapshots.start(TermIndex.valueOf(1, 4), store).join().getFile().getPath();
      assertThat(snapshotDirectory()).containsExactlyInAnyOrder(third, fourth, SnapshotChecksum.fileFor(third),
          SnapshotChecksum.fileFor(fourth));
    } finally {
      store.close();
    }
  }

  /** Ratis asks for the latest on every append: a directory without a snapshot is not listed each time. */
  @Test
  void havingNoSnapshotIsRememberedUntilOneIsWrittenOrTheDirectoryIsReloaded() throws Exception {
    MapDbDocumentStore store = filledStore();
    try (StoreSnapshots snapshots = snapshots(0)) {
      assertThat(snapshots.latest()).isNull();
      Path installed = installedSnapshot(1, 1);
      assertThat(snapshots.latest()).as("remembered: not read again").isNull();
      assertThat(snapshots.reload().getFile().getPath()).isEqualTo(installed);
      assertThat(snapshots.latest().getIndex()).isEqualTo(1);

      Files.delete(installed);
      Files.delete(StoreSnapshots.md5File(installed));
      assertThat(snapshots.reload()).as("the directory is the truth").isNull();
      assertThat(snapshots.latest()).isNull();
      Path written = snapshots.start(TermIndex.valueOf(1, 2), store).join().getFile().getPath();
      assertThat(snapshots.latest().getFile().getPath()).isEqualTo(written);
    } finally {
      store.close();
    }
  }

  @Test
  void ratisSendsASnapshotWrittenHereWithItsChecksumFileAndTheOneFoundAtStartToo() throws Exception {
    MapDbDocumentStore store = filledStore();
    RaftStorage raft = raftStorage(dir, RaftStorage.StartupOption.FORMAT);
    Path written;
    try (StoreSnapshots snapshots = new StoreSnapshots()) {
      snapshots.init(raft, 2, 0);
      written = snapshots.start(TermIndex.valueOf(1, 2), store).join().getFile().getPath();
      assertThat(paths(snapshots.latest())).containsExactly(written, SnapshotChecksum.fileFor(written));
    } finally {
      raft.close();
      store.close();
    }
    try (StoreSnapshots reopened = snapshots(dir, RaftStorage.StartupOption.RECOVER, 0)) {
      assertThat(reopened.latestIntact().getIndex()).isEqualTo(2);
      assertThat(paths(reopened.latest())).containsExactly(written, SnapshotChecksum.fileFor(written));
    }
  }

  /** Ratis checks the transfer with an MD5 of the bytes the leader read; the checksum says what was written. */
  @Test
  void anInstalledSnapshotThatDoesNotMatchTheChecksumItWasWrittenWithIsRefusedWithWhatToDo() throws Exception {
    MapDbDocumentStore store = filledStore();
    try (StoreSnapshots snapshots = snapshots(0)) {
      Path installed = snapshots.start(TermIndex.valueOf(1, 2), store).join().getFile().getPath();
      assertThat(snapshots.reload().getFile().getPath()).as("an intact one is loaded").isEqualTo(installed);
      damage(installed);
      assertThatThrownBy(snapshots::reload).hasMessageContaining("installed from the leader is damaged")
          .hasMessageContaining("CRC-32C").hasMessageContaining("sluice admin snapshot").hasMessageContaining("--rejoin");
    } finally {
      store.close();
    }
  }

  @Test
  void aDamagedSnapshotIsSetAsideAndTheOneBeforeItIsUsedWhicheverTheirChecksums() throws Exception {
    MapDbDocumentStore store = filledStore();
    try (StoreSnapshots snapshots = snapshots(0)) {
      installedSnapshot(1, 1);
      Path own = snapshots.start(TermIndex.valueOf(1, 2), store).join().getFile().getPath();
      damage(own);
      assertThatThrownBy(() -> SnapshotChecksum.verify(own)).hasMessageContaining("CRC-32C");

      assertThat(snapshots.latestIntact().getIndex()).isEqualTo(1);
      assertThat(own.resolveSibling(own.getFileName() + ".corrupt")).exists();
      assertThat(own).doesNotExist();
    } finally {
      store.close();
    }
  }

  @Test
  void aChecksumFileThatIsNotEightHexDigitsIsReportedAsSuch() throws Exception {
    Path snapshot = Files.write(dir.resolve("snapshot.1_1"), new byte[] {1, 2, 3});
    for (String bad : List.of("not hex", "-1", "ab", "0123456789abcdef")) {
      Files.writeString(SnapshotChecksum.fileFor(snapshot), bad + "\n");
      assertThatThrownBy(() -> SnapshotChecksum.verify(snapshot)).hasMessageContaining("holds '" + bad + "', not eight hex digits");
    }
  }

  @Test
  void theChecksumFileOfASnapshotCutOffByACrashIsDeletedAtStartWithIt() throws Exception {
    raftStorage(dir, RaftStorage.StartupOption.FORMAT).close();
    Path cutOff = Files.createDirectories(snapshotDir()).resolve("snapshot.1_7");
    Files.write(cutOff.resolveSibling("snapshot.1_7.tmp"), new byte[] {1, 2, 3});
    Files.writeString(SnapshotChecksum.fileFor(cutOff), "00000000\n");
    Files.writeString(cutOff.resolveSibling("snapshot.1_5.md5"), "an MD5 file left by a crash while deleting\n");
    try (StoreSnapshots reopened = snapshots(dir, RaftStorage.StartupOption.RECOVER, 0)) {
      assertThat(snapshotDirectory()).isEmpty();
      assertThat(reopened.latest()).isNull();
    }
  }

  private static void damage(Path file) throws Exception {
    try (RandomAccessFile bytes = new RandomAccessFile(file.toFile(), "rw")) {
      bytes.seek(bytes.length() / 2);
      int b = bytes.read();
      bytes.seek(bytes.length() / 2);
      bytes.write(b ^ 0x5a);
    }
  }

  private static List<Path> paths(SnapshotInfo snapshot) {
    return snapshot.getFiles().stream().map(FileInfo::getPath).toList();
  }

  /** A snapshot as Ratis leaves one it installed from the leader: with its MD5 file. */
  private Path installedSnapshot(long term, long index) throws Exception {
    Path snapshot = snapshotDir().resolve("snapshot." + term + "_" + index);
    Files.write(snapshot, "a snapshot from the leader".getBytes());
    MD5FileUtil.saveMD5File(snapshot.toFile(), StoreSnapshots.md5Of(snapshot));
    return snapshot;
  }

  private Path snapshotDir() {
    return dir.resolve("raft/sm");
  }

  private List<Path> snapshotDirectory() throws Exception {
    try (var files = Files.list(snapshotDir())) {
      return files.toList();
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

  /** Snapshots in a new Raft storage under {@code dir}, written at {@code bytesPerSecond} (0: at once), two kept. */
  static StoreSnapshots snapshots(Path dir, long bytesPerSecond) throws Exception {
    return snapshots(dir, RaftStorage.StartupOption.FORMAT, bytesPerSecond);
  }

  private static StoreSnapshots snapshots(Path dir, RaftStorage.StartupOption option, long bytesPerSecond) throws Exception {
    StoreSnapshots snapshots = new StoreSnapshots();
    snapshots.init(raftStorage(dir, option), 2, bytesPerSecond);
    return snapshots;
  }

  private static RaftStorage raftStorage(Path dir, RaftStorage.StartupOption option) throws Exception {
    RaftStorage storage = StorageImplUtils.newRaftStorage(dir.resolve("raft").toFile(), SizeInBytes.ZERO, option,
        RaftServerConfigKeys.Log.CorruptionPolicy.EXCEPTION);
    storage.initialize();
    return storage;
  }
}
