package io.sluice.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.junit.jupiter.api.Test;

class PositionTest {

  @Test
  void ordersByIndexIgnoringTerm() {
    assertThat(new Position(9, 3)).isLessThan(new Position(1, 4));
    assertThat(new Position(1, 5)).isGreaterThan(new Position(7, 4));
    assertThat(new Position(1, 5).compareTo(new Position(2, 5))).isZero();
  }

  @Test
  void sortingAListOrdersByIndex() {
    List<Position> positions = new ArrayList<>(List.of(new Position(3, 30), new Position(1, 2), new Position(5, 7)));
    Collections.sort(positions);
    assertThat(positions).extracting(Position::index).containsExactly(2L, 7L, 30L);
  }

  @Test
  void zeroIsBeforeEveryOtherPosition() {
    assertThat(Position.ZERO).isEqualTo(new Position(0, 0));
    assertThat(Position.ZERO).isLessThan(new Position(0, 1));
  }

  @Test
  void equalityUsesTermAndIndex() {
    assertThat(new Position(1, 5)).isEqualTo(new Position(1, 5)).isNotEqualTo(new Position(2, 5));
  }

  @Test
  void bsonFormHasLongTermAndIndex() {
    BsonDocument bson = new Position(4, 17).toBson();
    assertThat(bson.get("term")).isEqualTo(new BsonInt64(4));
    assertThat(bson.get("index")).isEqualTo(new BsonInt64(17));
    assertThat(bson.keySet()).containsExactly("term", "index");
  }

  @Test
  void bsonRoundTripGivesTheSamePosition() {
    Position p = new Position(Long.MAX_VALUE - 1, 123_456_789_012L);
    assertThat(Position.fromBson(p.toBson())).isEqualTo(p);
    assertThat(Position.fromBson(BsonDocument.parse(p.toBson().toJson()))).isEqualTo(p);
  }

  @Test
  void fromBsonAcceptsAnyNumberType() {
    BsonDocument doc = new BsonDocument("term", new BsonInt32(2)).append("index", new BsonInt32(9));
    assertThat(Position.fromBson(doc)).isEqualTo(new Position(2, 9));
  }

  @Test
  void negativeTermIsRejected() {
    assertThatThrownBy(() -> new Position(-1, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1:0");
  }

  @Test
  void negativeIndexIsRejected() {
    assertThatThrownBy(() -> new Position(0, -5))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0:-5");
  }

  @Test
  void negativeValuesInBsonAreRejected() {
    BsonDocument doc = new BsonDocument("term", new BsonInt64(1)).append("index", new BsonInt64(-2));
    assertThatThrownBy(() -> Position.fromBson(doc)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void toStringIsTermColonIndex() {
    assertThat(new Position(3, 14)).hasToString("3:14");
  }
}
