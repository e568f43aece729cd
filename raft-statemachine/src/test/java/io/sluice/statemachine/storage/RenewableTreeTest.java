package io.sluice.statemachine.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBException;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;
import org.mapdb.StoreDirect;

class RenewableTreeTest {
  private final DB db = DBMaker.memoryDB().make();
  private final BTreeMap<String, byte[]> meta = db.treeMap("meta", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
  private final TreeMap<Long, Long> expected = new TreeMap<>();
  private final Random random = new Random(11);
  private RenewableTree<Long, Long> tree = open();
  private long next;

  @AfterEach
  void close() {
    db.close();
  }

  private RenewableTree<Long, Long> open() {
    return new RenewableTree<>(db, meta, "window", Serializer.LONG, Serializer.LONG, true);
  }

  /** What the apply thread does: a key added at the end, the first removed, now and then one overwritten. */
  private void slide(int steps) {
    for (int i = 0; i < steps; i++) {
      tree.put(next, next * 10);
      expected.put(next, next * 10);
      next++;
      Long first = tree.front().first().getKey();
      tree.remove(first);
      expected.remove(first);
      if (random.nextInt(4) == 0) {
        long key = expected.ceilingKey(first + random.nextInt(500));
        tree.put(key, -key);
        expected.put(key, -key);
      }
    }
  }

  private void fill(int size) {
    for (int i = 0; i < size; i++) {
      tree.put(next, next * 10);
      expected.put(next, next * 10);
      next++;
    }
  }

  /** The records in the store (MapDB lists deleted ids too, until it reuses them). */
  private long records() {
    return records((StoreDirect) db.getStore());
  }

  private static long records(StoreDirect store) {
    long count = 0;
    for (var ids = store.getAllRecids(); ids.hasNext(); ) {
      try {
        store.get(ids.nextLong(), Serializer.BYTE_ARRAY_NOSIZE);
        count++;
      } catch (DBException.GetVoid deleted) {
        // not a record
      }
    }
    return count;
  }

  @Test
  void aRenewalKeepsEveryEntryWrittenWhileItRanAndFreesTheEmptiedNodes() {
    fill(20_000);
    slide(200_000);
    assertThat(tree.renewalDue()).isTrue();
    long before = records();

    tree.renew(new WritesBeforeEachLock(() -> slide(300)), () -> false);

    assertThat(tree.tree()).containsExactlyEntriesOf(expected);
    assertThat(tree.tree().sizeLong()).isEqualTo(expected.size());
    assertThat(tree.front().first().getKey()).isEqualTo(expected.firstKey());
    assertThat(tree.renewalDue()).isFalse();
    assertThat(db.getAllNames()).contains("window~1").doesNotContain("window");
    assertThat(records()).as("records before: %d", before).isLessThan(before / 4);
    slide(1_000);
    assertThat(tree.tree()).containsExactlyEntriesOf(expected);
  }

  /**
   * MapDB hands out a deleted record's id again at once: after a drop cut off part way, the writes that
   * follow take the ids of the nodes it deleted, and the rest of the drop must not touch them.
   */
  @Test
  void aRenewalCutOffWhileDroppingIsFinishedAtTheNextOpenWithoutTouchingRecordsWrittenMeanwhile() {
    fill(5_000);
    slide(40_000);
    long before = records();
    cutOffWhileDropping(tree);
    assertThat(db.getAllNames()).contains("window~1").doesNotContain("window");
    slide(3_000);

    tree = open();

    assertThat(meta.get("drop:window")).isNull();
    assertThat(records()).as("records before the renewal: %d", before).isLessThan(before / 2);
    assertThat(tree.tree()).containsExactlyEntriesOf(expected);
    slide(1_000);
    assertThat(tree.tree()).containsExactlyEntriesOf(expected);
  }

  @Test
  void aStoreClosedWhileDroppingFinishesTheDropWhenOpenedAgain(@TempDir Path dir) {
    MapDbFile file = MapDbFile.open(dir.resolve("store.mapdb"));
    BTreeMap<String, byte[]> fileMeta = file.db().treeMap("testMeta", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
    RenewableTree<Long, Long> onDisk = new RenewableTree<>(file.db(), fileMeta, "window", Serializer.LONG, Serializer.LONG, true);
    tree = onDisk;
    fill(5_000);
    slide(40_000);
    long before = records(file.store().direct());
    cutOffWhileDropping(onDisk);
    slide(3_000);
    file.close();

    MapDbFile reopened = MapDbFile.open(dir.resolve("store.mapdb"));
    try {
      BTreeMap<String, byte[]> reopenedMeta = reopened.db().treeMap("testMeta", Serializer.STRING, Serializer.BYTE_ARRAY).open();
      tree = new RenewableTree<>(reopened.db(), reopenedMeta, "window", Serializer.LONG, Serializer.LONG, true);
      assertThat(reopenedMeta.get("drop:window")).isNull();
      assertThat(records(reopened.store().direct())).as("records before the renewal: %d", before).isLessThan(before / 2);
      assertThat(tree.tree()).containsExactlyEntriesOf(expected);
      slide(1_000);
      assertThat(tree.tree()).containsExactlyEntriesOf(expected);
    } finally {
      reopened.close();
    }
  }

  /** MapDB walks a tree without a counter to count it; the tree keeps its own count, and its removals across a reopen. */
  @Test
  void aTreeWithoutMapDbsCounterIsRenewedWhenDueAndItsRemovalsSurviveAReopen() {
    tree = new RenewableTree<>(db, meta, "uncounted", Serializer.LONG, Serializer.LONG, false);
    fill(5_000);
    slide(19_000);
    assertThat(tree.renewalDue()).as("19,000 removals from a tree of 5,000").isFalse();
    slide(1_500);
    tree = new RenewableTree<>(db, meta, "uncounted", Serializer.LONG, Serializer.LONG, false);
    assertThat(tree.renewalDue()).as("20,500 removals, 20,480 of them saved").isTrue();

    tree.renew(new WritesBeforeEachLock(() -> slide(20)), () -> false);

    assertThat(tree.renewalDue()).isFalse();
    assertThat(tree.tree()).containsExactlyEntriesOf(expected);
    tree = new RenewableTree<>(db, meta, "uncounted", Serializer.LONG, Serializer.LONG, false);
    assertThat(tree.renewalDue()).isFalse();
    assertThat(tree.tree()).containsExactlyEntriesOf(expected);
  }

  /** Where in a renewal a checkpoint is started: the hold of the write lock it comes before. */
  enum CheckpointAt {
    /** The second chunk of the copy (the new tree exists and is half written). */
    COPYING,
    /** The hold after the switch (the old tree is out of use but still named). */
    SWITCHED,
    /** The third hold after the switch (the old tree's ids listed, a chunk of them deleted). */
    DROPPING
  }

  /**
   * A snapshot is a checkpoint of the store taken between two holds of the write lock, so it can catch
   * a renewal at any step, and it is written while the renewal goes on. Restored elsewhere, it must
   * hold the tree as it was then, with what the renewal left dropped, and renew again.
   */
  @ParameterizedTest
  @EnumSource(CheckpointAt.class)
  void aCheckpointTakenDuringARenewalOpensAsTheTreeWasThenWithWhatTheRenewalLeftDropped(CheckpointAt at, @TempDir Path dir) throws Exception {
    MapDbFile file = MapDbFile.open(dir.resolve("store.mapdb"));
    Path checkpointFile = dir.resolve("checkpoint.mapdb");
    TreeMap<Long, Long> expectedThen = new TreeMap<>();
    long[] nextThen = {0};
    long before;
    try {
      BTreeMap<String, byte[]> fileMeta = file.db().treeMap("testMeta", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
      RenewableTree<Long, Long> onDisk = new RenewableTree<>(file.db(), fileMeta, "window", Serializer.LONG, Serializer.LONG, true);
      tree = onDisk;
      fill(5_000);
      slide(40_000);
      before = records(file.store().direct());
      BTreeMap<Long, Long> oldTree = onDisk.tree();
      int[] holds = {0, 0};
      Checkpoint[] checkpoint = {null};
      Lock lock = new WritesBeforeEachLock(() -> {
        slide(50);
        boolean switched = onDisk.tree() != oldTree;
        holds[switched ? 1 : 0]++;
        boolean now = switch (at) {
          case COPYING -> !switched && holds[0] == 3;
          case SWITCHED -> switched && holds[1] == 1;
          case DROPPING -> switched && holds[1] == 3;
        };
        if (now) {
          file.flush();
          checkpoint[0] = file.startCheckpoint(checkpointFile);
          expectedThen.putAll(expected);
          nextThen[0] = next;
        }
      });

      onDisk.renew(lock, () -> false);
      slide(2_000);
      assertThat(checkpoint[0]).as("a checkpoint was started at %s", at).isNotNull();
      checkpoint[0].finish(chunk -> { });
      checkpoint[0].close();
    } finally {
      file.close();
    }

    MapDbFile restored = MapDbFile.open(checkpointFile);
    try {
      BTreeMap<String, byte[]> restoredMeta = restored.db().treeMap("testMeta", Serializer.STRING, Serializer.BYTE_ARRAY).open();
      // The checkpoint caught the renewal where the case says, before opening the tree tidies up.
      Iterable<String> names = restored.db().getAllNames();
      switch (at) {
        case COPYING -> assertThat(names).contains("window", "window~1").as("not switched").satisfies(n -> assertThat(restoredMeta.get("generation:window")).isNull());
        case SWITCHED -> assertThat(names).contains("window", "window~1").satisfies(n -> assertThat(restoredMeta.get("generation:window")).isNotNull());
        case DROPPING -> assertThat(names).contains("window~1").doesNotContain("window").satisfies(n -> assertThat(restoredMeta.get("drop:window")).isNotNull());
      }
      tree = new RenewableTree<>(restored.db(), restoredMeta, "window", Serializer.LONG, Serializer.LONG, true);
      expected.clear();
      expected.putAll(expectedThen);
      next = nextThen[0];
      assertThat(tree.tree()).containsExactlyEntriesOf(expected);
      assertThat(restoredMeta.get("drop:window")).isNull();
      assertThat(java.util.stream.StreamSupport.stream(restored.db().getAllNames().spliterator(), false).filter(name -> name.startsWith("window")))
          .as("one generation of the tree is left").hasSize(1);

      slide(30_000);
      assertThat(tree.renewalDue()).isTrue();
      tree.renew(new WritesBeforeEachLock(() -> slide(50)), () -> false);
      assertThat(tree.renewalDue()).isFalse();
      assertThat(tree.tree()).containsExactlyEntriesOf(expected);
      assertThat(records(restored.store().direct())).as("records before the first renewal: %d", before).isLessThan(before / 2);
    } finally {
      restored.close();
    }
  }

  /** Renews, cut off after the switch, once the drop deleted one chunk. */
  private void cutOffWhileDropping(RenewableTree<Long, Long> renewed) {
    BTreeMap<Long, Long> before = renewed.tree();
    int[] holdsAfterSwitch = {0};
    // After the switch: the hold that lists the old tree's ids, one that deletes a chunk, then the cut.
    FailingLock lock = new FailingLock(() -> renewed.tree() != before && ++holdsAfterSwitch[0] == 3);
    assertThatThrownBy(() -> renewed.renew(lock, () -> false)).isInstanceOf(IllegalStateException.class);
    assertThat(renewed.tree()).isNotSameAs(before);
  }

  @Test
  void aRenewalCutOffWhileCopyingLeavesTheTreeAsItWasAndTheNextOneDropsItsCopy() {
    fill(10_000);
    slide(40_000);
    int[] holds = {0};
    // Cut off at the first chunk of the copy.
    assertThatThrownBy(() -> tree.renew(new FailingLock(() -> ++holds[0] == 2), () -> false)).isInstanceOf(IllegalStateException.class);
    assertThat(db.getAllNames()).contains("window", "window~1");

    slide(1_000);
    tree.renew(new WritesBeforeEachLock(() -> slide(50)), () -> false);
    assertThat(tree.tree()).containsExactlyEntriesOf(expected);
    assertThat(db.getAllNames()).as("the failed renewal's tree is dropped, and its name not used again")
        .contains("window~2").doesNotContain("window", "window~1");

    tree = open();

    assertThat(db.getAllNames()).contains("window~2").doesNotContain("window", "window~1");
    assertThat(tree.tree()).containsExactlyEntriesOf(expected);
  }

  /** A lock taken by the renewal; before each hold, the "apply thread" writes. */
  private static final class WritesBeforeEachLock extends DelegatingLock {
    private final Runnable writes;

    WritesBeforeEachLock(Runnable writes) {
      this.writes = writes;
    }

    @Override
    public void lock() {
      writes.run();
      super.lock();
    }
  }

  /** A lock that fails to be taken when {@code failNow} says so, as a renewal cut off by a stop would be. */
  private static final class FailingLock extends DelegatingLock {
    private final BooleanSupplier failNow;

    FailingLock(BooleanSupplier failNow) {
      this.failNow = failNow;
    }

    @Override
    public void lock() {
      if (failNow.getAsBoolean()) {
        throw new IllegalStateException("cut off");
      }
      super.lock();
    }
  }

  private static class DelegatingLock implements Lock {
    private final ReentrantLock lock = new ReentrantLock();

    @Override
    public void lock() {
      lock.lock();
    }

    @Override
    public void lockInterruptibly() throws InterruptedException {
      lock.lockInterruptibly();
    }

    @Override
    public boolean tryLock() {
      return lock.tryLock();
    }

    @Override
    public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
      return lock.tryLock(time, unit);
    }

    @Override
    public void unlock() {
      lock.unlock();
    }

    @Override
    public Condition newCondition() {
      return lock.newCondition();
    }
  }
}
