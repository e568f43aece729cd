package io.sluice.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.client.SluiceCollection;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import java.nio.file.Path;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Without a majority there is no leader: a write fails at the client's deadline with a clear error. */
class NoLeaderTest {
  @TempDir
  Path dir;

  @Test
  void aWriteWithoutAMajorityFailsWithANoLeaderErrorAndLosesNothing() {
    try (LocalCluster cluster = LocalCluster.start(dir, 3)) {
      SluiceCollection c = cluster.client().getDatabase("db").getCollection("c");
      c.insertOne(new Document("_id", "before"));
      cluster.awaitIdenticalState();
      int survivor = cluster.aFollower();
      for (int i = 0; i < 3; i++) {
        if (i != survivor) {
          cluster.stop(i);
        }
      }
      SluiceCollection impatient = cluster.client("timeoutMS=3000").getDatabase("db").getCollection("c");
      assertThatThrownBy(() -> impatient.insertOne(new Document("_id", "during")))
          .isInstanceOfSatisfying(SluiceException.class, e -> {
            assertThat(e.errorCode()).isEqualTo(ErrorCode.NOT_WRITABLE_PRIMARY);
            assertThat(e.isRetryable()).isTrue();
            assertThat(e.reason()).contains("could answer within 3000 ms");
          });
      for (int i = 0; i < 3; i++) {
        if (i != survivor) {
          cluster.start(i);
        }
      }
      cluster.awaitLeader();
      assertThat(c.countDocuments(new Document("_id", "before"))).isEqualTo(1);
    }
  }
}
