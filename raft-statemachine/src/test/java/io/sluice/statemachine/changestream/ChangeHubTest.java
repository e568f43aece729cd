package io.sluice.statemachine.changestream;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bson.BsonArray;
import org.bson.BsonDateTime;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.junit.jupiter.api.Test;

/** Waits in the hub: woken by records of their scope (or pin) only, and known to be woken before the executor runs them. */
class ChangeHubTest {

  @Test
  void aWaitIsWokenTheMomentItsRecordIsPublishedThoughItsFutureCompletesLaterOnTheExecutor() {
    List<Runnable> queued = new ArrayList<>();
    ChangeHub hub = new ChangeHub(0, 100, 1 << 20, queued::add);
    ChangeHub.Wakeup mine = hub.whenPublishedAfter(0, ChangeHub.collectionKey("db.c"));
    ChangeHub.Wakeup other = hub.whenPublishedAfter(0, ChangeHub.collectionKey("db.d"));

    hub.publish(1, record("db", "c"), 10, 0);

    assertThat(mine.isWoken()).isTrue();
    assertThat(mine).isNotDone();
    assertThat(other.isWoken()).isFalse();
    queued.forEach(Runnable::run);
    assertThat(mine).isDone();
    assertThat(other).isNotDone();
  }

  @Test
  void theTailDropsWhatTheHistoryWindowTrimmedWhateverItsOwnSize() {
    ChangeHub hub = new ChangeHub(0, 100, 1 << 20, Runnable::run);
    for (long index = 1; index <= 5; index++) {
      hub.publish(index, record("db", "c"), 10, 0);
    }
    hub.publish(6, record("db", "c"), 10, 3);

    assertThat(hub.recent(3)).isEmpty();
    assertThat(hub.recent(4)).isPresent();
    assertThat(hub.covers(2)).isFalse();
    assertThat(hub.covers(3)).isTrue();
    assertThat(hub.newest()).contains(new ChangeHub.Published(6, 1));
  }

  @Test
  void aWaitForWhatIsAlreadyPublishedIsDoneAtOnce() {
    ChangeHub hub = new ChangeHub(0, 100, 1 << 20, Runnable::run);
    hub.publish(1, record("db", "c"), 10, 0);
    ChangeHub.Wakeup late = hub.whenPublishedAfter(0, ChangeHub.collectionKey("db.d"));
    assertThat(late).isDone();
    assertThat(late.isWoken()).isTrue();
  }

  @Test
  void aPinnedWatchIsWokenByItsValuesAndByWhatItCannotRuleOutAndMovesPastAllElse() {
    ChangeHub hub = new ChangeHub(0, 100, 1 << 20, Runnable::run);
    ChangeHub.Watch watch = hub.register(ChangeHub.collectionKey("db.c"), "db.c", Optional.of(idPin(1)));
    ChangeHub.Wakeup waiting = hub.whenPublishedAfter(0, watch);

    hub.publish(1, insert("c", new BsonInt32(2)), 10, 0);
    assertThat(waiting.isWoken()).as("another document").isFalse();
    assertThat(hub.skip(watch, 0).quietTo()).contains(new ChangeHub.Published(1, 1));
    hub.publish(2, insert("d", new BsonInt32(1)), 10, 0);
    assertThat(waiting.isWoken()).as("another collection").isFalse();

    hub.publish(3, insert("c", new BsonDouble(1.0)), 10, 0);
    assertThat(waiting.isWoken()).as("its document, its _id as a double").isTrue();
    assertThat(hub.skip(watch, 0)).as("read from its document's write on").isEqualTo(new ChangeHub.Skip(Optional.empty(), 2));
    assertThat(hub.skip(watch, 3)).as("nothing newer").isEqualTo(new ChangeHub.Skip(Optional.empty(), 3));

    ChangeHub.Wakeup next = hub.whenPublishedAfter(3, watch);
    BsonDocument drop = new BsonDocument("operationType", new BsonString("drop")).append("ns", ns("c"));
    hub.publish(4, record(drop), 10, 0);
    assertThat(next.isWoken()).as("a drop ends every stream of its collection").isTrue();
    assertThat(hub.skip(watch, 3)).isEqualTo(new ChangeHub.Skip(Optional.empty(), 3));

    hub.publish(5, insert("c", new BsonInt32(1)), 10, 0);
    assertThat(hub.skip(watch, 2)).as("touched twice since: read it all").isEqualTo(new ChangeHub.Skip(Optional.empty(), 2));
    hub.publish(6, insert("c", new BsonInt32(2)), 10, 0);
    assertThat(hub.skip(watch, 5).quietTo()).contains(new ChangeHub.Published(6, 1));
    hub.release(watch);
    hub.release(watch);
    assertThat(hub.trackedPinValues()).isZero();
    assertThat(hub.skip(watch, 5)).as("a released pin is no longer tracked").isEqualTo(new ChangeHub.Skip(Optional.empty(), 5));
  }

  @Test
  void afterTheStoreIsReplacedAPinnedWatchReadsUntilItIsPastTheReplacement() {
    ChangeHub hub = new ChangeHub(0, 100, 1 << 20, Runnable::run);
    ChangeHub.Watch watch = hub.register(ChangeHub.collectionKey("db.c"), "db.c", Optional.of(idPin(1)));
    hub.publish(1, insert("c", new BsonInt32(2)), 10, 0);
    assertThat(hub.skip(watch, 0).quietTo()).isPresent();

    hub.restart(10);
    assertThat(hub.skip(watch, 0)).as("what the snapshot brought was never tracked").isEqualTo(new ChangeHub.Skip(Optional.empty(), 0));
    hub.publish(11, insert("c", new BsonInt32(2)), 10, 0);
    assertThat(hub.skip(watch, 0).quietTo()).isEmpty();
    assertThat(hub.skip(watch, 10).quietTo()).contains(new ChangeHub.Published(11, 1));
  }

  @Test
  void releasingAWatchEndsItsWaitAtOnceAndUnfilesIt() {
    ChangeHub hub = new ChangeHub(0, 100, 1 << 20, Runnable::run);
    ChangeHub.Watch pinned = hub.register(ChangeHub.collectionKey("db.c"), "db.c", Optional.of(idPins(1, 2)));
    ChangeHub.Watch scoped = hub.register(ChangeHub.collectionKey("db.c"), "db.c", Optional.empty());
    ChangeHub.Wakeup pinnedWait = hub.whenPublishedAfter(0, pinned);
    ChangeHub.Wakeup scopedWait = hub.whenPublishedAfter(0, scoped);
    assertThat(pinned.isWaiting()).isTrue();
    assertThat(hub.waiting()).isEqualTo(3);

    hub.release(pinned);
    hub.release(scoped);
    assertThat(pinnedWait).isDone();
    assertThat(scopedWait).isDone();
    assertThat(hub.waiting()).isZero();
    assertThat(hub.whenPublishedAfter(0, scoped)).as("a released watch waits for nothing").isDone();
    assertThat(hub.waiting()).isZero();
  }

  @Test
  void aWaitForSeveralValuesWokenByOneIsUnfiledFromTheOthers() {
    ChangeHub hub = new ChangeHub(0, 100, 1 << 20, Runnable::run);
    ChangeHub.Watch watch = hub.register(ChangeHub.collectionKey("db.c"), "db.c", Optional.of(idPins(1, 2, 3)));
    ChangeHub.Wakeup waiting = hub.whenPublishedAfter(0, watch);
    assertThat(hub.waiting()).as("filed under each value").isEqualTo(3);
    hub.publish(1, insert("c", new BsonInt32(2)), 10, 0);
    assertThat(waiting).isDone();
    assertThat(watch.isWaiting()).isFalse();
    assertThat(hub.waiting()).isZero();
  }

  @Test
  void thousandsOfWaitsForTheSameValuesAreAllWokenByOneAndLeaveNothingFiled() {
    ChangeHub hub = new ChangeHub(0, 100, 1 << 20, Runnable::run);
    List<ChangeHub.Wakeup> waits = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      ChangeHub.Watch watch = hub.register(ChangeHub.collectionKey("db.c"), "db.c", Optional.of(idPins(1, 2)));
      waits.add(hub.whenPublishedAfter(0, watch));
    }
    assertThat(hub.waiting()).isEqualTo(10_000);
    hub.publish(1, insert("c", new BsonInt32(1)), 10, 0);
    assertThat(waits).allMatch(ChangeHub.Wakeup::isDone);
    assertThat(hub.waiting()).isZero();
  }

  private static FieldPin idPins(int... ids) {
    return new FieldPin("documentKey._id", StreamSpec.FullDocument.DEFAULT,
        java.util.Arrays.stream(ids).mapToObj(id -> EqualityKey.of(new BsonInt32(id)).orElseThrow()).collect(java.util.stream.Collectors.toSet()));
  }

  private static FieldPin idPin(int id) {
    return new FieldPin("documentKey._id", StreamSpec.FullDocument.DEFAULT, Set.of(EqualityKey.of(new BsonInt32(id)).orElseThrow()));
  }

  private static BsonDocument insert(String coll, BsonValue id) {
    return record(new BsonDocument("operationType", new BsonString("insert")).append("ns", ns(coll))
        .append("documentKey", new BsonDocument("_id", id)).append("fullDocument", new BsonDocument("_id", id)));
  }

  private static BsonDocument ns(String coll) {
    return new BsonDocument("db", new BsonString("db")).append("coll", new BsonString(coll));
  }

  private static BsonDocument record(BsonDocument event) {
    return new BsonDocument("term", new BsonInt64(1)).append("events", new BsonArray(List.of(event))).append("wallTime", new BsonDateTime(0));
  }

  private static BsonDocument record(String db, String coll) {
    BsonDocument ns = new BsonDocument("db", new BsonString(db)).append("coll", new BsonString(coll));
    return record(new BsonDocument("operationType", new BsonString("insert")).append("ns", ns));
  }
}
