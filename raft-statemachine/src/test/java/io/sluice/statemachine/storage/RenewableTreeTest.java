package io.sluice.statemachine.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
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
    StoreDirect store = (StoreDirect) db.getStore();
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

  @Test
  void theGenerationIsKeptAndARenewalCutOffWhileDroppingIsFinishedAtTheNextOpen() {
    fill(5_000);
    slide(40_000);
    // The copy takes 3 holds of the lock (a start, 2 chunks) and the switch 1; the drop is cut off after 1 of its own.
    assertThatThrownBy(() -> tree.renew(new FailingLock(6), () -> false)).isInstanceOf(IllegalStateException.class);
    assertThat(db.getAllNames()).contains("window", "window~1");

    tree = open();

    assertThat(db.getAllNames()).contains("window~1").doesNotContain("window");
    assertThat(tree.tree()).containsExactlyEntriesOf(expected);
    slide(100);
    assertThat(tree.tree()).containsExactlyEntriesOf(expected);
  }

  @Test
  void aRenewalCutOffWhileCopyingLeavesTheTreeAsItWasAndItsCopyIsDroppedAtTheNextOpen() {
    fill(10_000);
    slide(40_000);
    assertThatThrownBy(() -> tree.renew(new FailingLock(2), () -> false)).isInstanceOf(IllegalStateException.class);
    assertThat(db.getAllNames()).contains("window", "window~1");

    tree = open();

    assertThat(db.getAllNames()).contains("window").doesNotContain("window~1");
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

  /** A lock that fails its {@code holds}th hold, as a renewal cut off by a stop would be. */
  private static final class FailingLock extends DelegatingLock {
    private int holdsLeft;

    FailingLock(int holds) {
      this.holdsLeft = holds;
    }

    @Override
    public void lock() {
      if (--holdsLeft == 0) {
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
