package io.sluice.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.model.changestream.FullDocument;
import com.mongodb.client.model.changestream.FullDocumentBeforeChange;
import io.sluice.protocol.Position;
import io.sluice.protocol.ResumeToken;
import java.util.Optional;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.junit.jupiter.api.Test;

class WatchOptionsTest {
  private static final Position LAST_WRITE = new Position(3, 42);

  private static WatchOptions options(ResumeToken resumeAfter, BsonTimestamp startAt, Position after) {
    return new WatchOptions("db", "c", new BsonArray(), FullDocument.DEFAULT, FullDocumentBeforeChange.DEFAULT, resumeAfter, null,
        startAt, 100, 1000, null, after);
  }

  @Test
  void aStreamWithNoStartOfItsOwnAsksTheNodeToHaveAppliedTheClientsLastWrite() {
    BsonDocument open = options(null, null, LAST_WRITE).aggregateCommand(Optional.empty());

    assertThat(open.getDocument("readConcern")).isEqualTo(new BsonDocument("afterOpTime", LAST_WRITE.toBson()));
  }

  @Test
  void aStreamThatStartsFromATokenOrATimeOrAClientThatWroteNothingSendsNoReadConcern() {
    ResumeToken token = ResumeToken.highWaterMark(3, 40);

    assertThat(options(token, null, LAST_WRITE).aggregateCommand(Optional.of(token))).doesNotContainKey("readConcern");
    assertThat(options(null, new BsonTimestamp(5, 1), LAST_WRITE).aggregateCommand(Optional.empty())).doesNotContainKey("readConcern");
    assertThat(options(null, null, LAST_WRITE).aggregateCommand(Optional.of(token))).as("a resume goes by its token")
        .doesNotContainKey("readConcern");
    assertThat(options(null, null, Position.ZERO).aggregateCommand(Optional.empty())).doesNotContainKey("readConcern");
  }
}
