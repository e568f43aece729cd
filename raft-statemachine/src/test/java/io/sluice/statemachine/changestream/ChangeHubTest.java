package io.sluice.statemachine.changestream;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.bson.BsonArray;
import org.bson.BsonDateTime;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.junit.jupiter.api.Test;

/** Waits in the hub: woken by records of their scope only, and known to be woken before the executor runs them. */
class ChangeHubTest {

  @Test
  void aWaitIsWokenTheMomentItsRecordIsPublishedThoughItsFutureCompletesLaterOnTheExecutor() {
    List<Runnable> queued = new ArrayList<>();
    ChangeHub hub = new ChangeHub(0, 100, 1 << 20, queued::add);
    ChangeHub.Wakeup mine = hub.whenPublishedAfter(0, ChangeHub.collectionKey("db.c"));
    ChangeHub.Wakeup other = hub.whenPublishedAfter(0, ChangeHub.collectionKey("db.d"));

    hub.publish(1, record("db", "c"), 10);

    assertThat(mine.isWoken()).isTrue();
    assertThat(mine).isNotDone();
    assertThat(other.isWoken()).isFalse();
    queued.forEach(Runnable::run);
    assertThat(mine).isDone();
    assertThat(other).isNotDone();
  }

  @Test
  void aWaitForWhatIsAlreadyPublishedIsDoneAtOnce() {
    ChangeHub hub = new ChangeHub(0, 100, 1 << 20, Runnable::run);
    hub.publish(1, record("db", "c"), 10);
    ChangeHub.Wakeup late = hub.whenPublishedAfter(0, ChangeHub.collectionKey("db.d"));
    assertThat(late).isDone();
    assertThat(late.isWoken()).isTrue();
  }

  private static BsonDocument record(String db, String coll) {
    BsonDocument ns = new BsonDocument("db", new BsonString(db)).append("coll", new BsonString(coll));
    return new BsonDocument("events", new BsonArray(List.of(new BsonDocument("ns", ns)))).append("wallTime", new BsonDateTime(0));
  }
}
