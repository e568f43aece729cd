package io.sluice.statemachine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.protocol.Position;
import io.sluice.statemachine.storage.AppliedState;
import io.sluice.statemachine.storage.MapDbDocumentStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.bson.BsonTimestamp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotTakerTest {
  private static final TermIndex RATIS_APPLIED = TermIndex.valueOf(1, 12);

  @TempDir
  Path dir;
  private MapDbDocumentStore store;
  private StoreSnapshots snapshots;
  private final AtomicInteger asks = new AtomicInteger();
  private SnapshotTaker taker;

  @BeforeEach
  void start() throws Exception {
    store = StoreSnapshotsTest.filledStore(dir);
    store.setApplied(new AppliedState(new Position(1, 10), new BsonTimestamp(1, 1)));
    // 4 MiB at 1 MiB/s: long enough to ask while it is written.
    snapshots = StoreSnapshotsTest.snapshots(dir, 1 << 20);
    taker = new SnapshotTaker(snapshots, store, asks::incrementAndGet);
  }

  @AfterEach
  void stop() throws Exception {
    snapshots.close();
    store.close();
  }

  /**
   * Regression: a finished snapshot was reported only when Ratis next asked, which under a steady
   * load is a whole threshold of entries later, so the log was not purged up to it until then.
   */
  @Test
  void oneCallStartsASnapshotAndWhenItIsDurableItAsksForTheCallThatReportsIt() throws Exception {
    assertThat(taker.take(RATIS_APPLIED)).as("started, not durable yet").isEqualTo(RaftLog.INVALID_LOG_INDEX);
    assertThat(taker.take(RATIS_APPLIED)).as("still being written").isEqualTo(RaftLog.INVALID_LOG_INDEX);
    assertThat(asks).hasValue(0);

    await().atMost(Duration.ofSeconds(30)).until(() -> asks.get() == 1);
    assertThat(taker.take(RATIS_APPLIED)).as("reported, named by the store's position").isEqualTo(10);
    assertThat(taker.take(RATIS_APPLIED)).as("nothing new: the same one again").isEqualTo(10);
    assertThat(asks).as("no snapshot started since").hasValue(1);
  }

  /** When an earlier call reported the snapshot, the call it asked for must not start another one. */
  @Test
  void theCallAFinishedSnapshotAskedForStartsNoOtherOne() throws Exception {
    taker.take(RATIS_APPLIED);
    await().atMost(Duration.ofSeconds(30)).until(() -> asks.get() == 1);
    assertThat(taker.take(RATIS_APPLIED)).as("an earlier call reports it").isEqualTo(10);
    store.setApplied(new AppliedState(new Position(1, 20), new BsonTimestamp(1, 2)));
    TermIndex later = TermIndex.valueOf(1, 22);
    assertThat(taker.take(later)).as("the call it asked for: nothing started").isEqualTo(10);
    assertThat(taker.take(later)).as("the next call starts one").isEqualTo(RaftLog.INVALID_LOG_INDEX);
  }

  /**
   * Regression: with nothing applied after a snapshot, Ratis answers its request without the call that
   * reports it, and purged no log until the next snapshot; the state machine purges it then.
   */
  @Test
  void aReportRatisSkippedGivesTheSnapshotToPurgeUpToOnceAndOneItMadeGivesNone() throws Exception {
    taker.take(RATIS_APPLIED);
    await().atMost(Duration.ofSeconds(30)).until(() -> asks.get() == 1);
    assertThat(taker.reportSkipped()).as("Ratis answered without calling").isEqualTo(10);
    assertThat(taker.reportSkipped()).as("only once").isEqualTo(RaftLog.INVALID_LOG_INDEX);

    store.setApplied(new AppliedState(new Position(1, 20), new BsonTimestamp(1, 2)));
    TermIndex later = TermIndex.valueOf(1, 22);
    taker.take(later);
    await().atMost(Duration.ofSeconds(30)).until(() -> asks.get() == 2);
    assertThat(taker.take(later)).as("Ratis made the call").isEqualTo(20);
    assertThat(taker.reportSkipped()).isEqualTo(RaftLog.INVALID_LOG_INDEX);
  }

  @Test
  void nothingIsStartedWhileASnapshotFromTheLeaderIsInstalled() throws Exception {
    taker.take(RATIS_APPLIED);
    taker.pause();
    assertThat(taker.take(RATIS_APPLIED)).isEqualTo(RaftLog.INVALID_LOG_INDEX);
    await("the abandoned one leaves nothing").atMost(Duration.ofSeconds(30)).until(() -> snapshotFiles() == 0);
    assertThat(asks).hasValue(0);

    taker.loaded(null);
    assertThat(taker.take(RATIS_APPLIED)).as("started again").isEqualTo(RaftLog.INVALID_LOG_INDEX);
    await().atMost(Duration.ofSeconds(30)).until(() -> asks.get() == 1);
  }

  private long snapshotFiles() throws java.io.IOException {
    try (var files = Files.list(dir.resolve("raft/sm"))) {
      return files.count();
    }
  }
}
