package io.sluice.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ResumeTokenTest {

  @Test
  void roundTripsThroughItsMongoDbForm() {
    ResumeToken token = ResumeToken.event(7, 123_456, 3);
    BsonDocument bson = token.toBson();
    assertThat(bson.keySet()).containsExactly("_data");
    assertThat(ResumeToken.fromBson(bson)).isEqualTo(token);
    assertThat(ResumeToken.parse(token.toHex())).isEqualTo(token);
  }

  @Test
  void hexStringsSortInStreamOrderWhateverTheTerm() {
    List<ResumeToken> inStreamOrder = List.of(
        ResumeToken.highWaterMark(1, 0),
        ResumeToken.event(9, 5, 0),
        ResumeToken.event(2, 5, 1),
        ResumeToken.invalidate(2, 5, 1),
        ResumeToken.highWaterMark(2, 5),
        ResumeToken.event(1, 6, 0),
        ResumeToken.event(3, 300, 2),
        ResumeToken.highWaterMark(3, 1L << 40));
    List<ResumeToken> shuffled = new ArrayList<>(inStreamOrder);
    Collections.shuffle(shuffled, new Random(1));
    List<String> hexSorted = shuffled.stream().map(ResumeToken::toHex).sorted().toList();
    assertThat(hexSorted).isEqualTo(inStreamOrder.stream().map(ResumeToken::toHex).toList());
    assertThat(shuffled.stream().sorted().toList()).isEqualTo(inStreamOrder);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "XYZ", "0102", "02000000000000000500000000000000000000000001"})
  void aMalformedTokenIsAnInvalidResumeToken(String hex) {
    assertThatThrownBy(() -> ResumeToken.parse(hex))
        .isInstanceOfSatisfying(SluiceException.class, e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.INVALID_RESUME_TOKEN));
  }

  @Test
  void aTokenThatIsNotADataDocumentIsAnInvalidResumeToken() {
    for (var value : List.of(new BsonString("abc"), new BsonDocument("_data", new BsonInt32(1)),
        new BsonDocument("_data", new BsonString("00")).append("extra", new BsonInt32(1)))) {
      assertThatThrownBy(() -> ResumeToken.fromBson(value))
          .isInstanceOfSatisfying(SluiceException.class, e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.INVALID_RESUME_TOKEN));
    }
  }
}
