package io.sluice.statemachine.storage;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

class TrimmedFrontTest {
  private final DB db = DBMaker.memoryDB().make();
  private final BTreeMap<Long, String> map = db.treeMap("m", Serializer.LONG, Serializer.STRING).createOrOpen();

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void theFirstEntryFollowsTrimsFromTheFront() {
    TrimmedFront<Long, String> front = new TrimmedFront<>(map);
    assertThat(front.first()).isNull();
    for (long key = 1; key <= 1_000; key++) {
      map.put(key, "v" + key);
    }
    for (long expected = 1; expected <= 990; expected++) {
      assertThat(front.first().getKey()).isEqualTo(expected);
      map.remove(expected);
    }

    assertThat(front.first().getValue()).isEqualTo("v991");
    assertThat(front.floor()).isEqualTo(991L);
  }

  @Test
  void aKeyAddedBelowTheFloorIsFound() {
    TrimmedFront<Long, String> front = new TrimmedFront<>(map);
    map.put(50L, "fifty");
    assertThat(front.first().getKey()).isEqualTo(50L);

    front.adding(7L);
    map.put(7L, "seven");

    assertThat(front.first().getKey()).isEqualTo(7L);
  }

  @Test
  void aFloorGivenFromOutsideIsWhereTheSearchStartsAndOnlyEverRises() {
    for (long key = 100; key <= 110; key++) {
      map.put(key, "v" + key);
    }
    TrimmedFront<Long, String> front = new TrimmedFront<>(map);
    front.nothingBelow(105L);
    front.nothingBelow(103L);

    assertThat(front.floor()).isEqualTo(105L);
    assertThat(front.first().getKey()).as("starts at the floor given, as after a reopen").isEqualTo(105L);
  }
}
