package io.sluice.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.node.cli.CliRunner;
import java.nio.file.Path;
import java.time.Duration;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sluice insert|find|update|delete} against a real 3-node cluster: JSON in, one JSON line out per result. */
class DocumentCommandsClusterTest {
  @TempDir
  Path dir;

  @Test
  void documentsGoInAndComeOutAsJsonLines() {
    try (LocalCluster cluster = LocalCluster.start(dir, 3)) {
      String connect = cluster.connectionString();
      CliRunner.Result inserted = CliRunner.capture("insert", "shop.orders", "{\"_id\": 1, \"total\": 10}",
          "{\"_id\": 2, \"total\": 30, \"status\": \"new\"}", "--connect", connect);
      assertThat(inserted.exitCode()).as(inserted.err()).isZero();
      assertThat(inserted.out().lines()).hasSize(2).allSatisfy(line -> assertThat(Document.parse(line)).containsKeys("insertedId", "position"));
      assertThat(Document.parse(inserted.out().lines().toList().get(1)).get("insertedId")).isEqualTo(2);

      CliRunner.Result updated = CliRunner.capture("update", "shop.orders", "{\"_id\": 1}", "{\"$inc\": {\"total\": 5}}", "--connect", connect);
      assertThat(Document.parse(updated.out().strip())).containsEntry("matchedCount", 1).containsEntry("modifiedCount", 1);

      CliRunner.Result found = CliRunner.capture("find", "shop.orders", "{\"total\": {\"$gt\": 0}}", "--sort", "{\"total\": -1}",
          "--projection", "{\"status\": 0}", "--connect", connect);
      assertThat(found.exitCode()).as(found.err()).isZero();
      assertThat(found.out().lines().map(Document::parse))
          .containsExactly(new Document("_id", 2).append("total", 30), new Document("_id", 1).append("total", 15));
      // A follower may be behind a one-shot client's write: it shows the same once it has applied it.
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(CliRunner.capture("find", "shop.orders", "{\"_id\": 1}", "--follower", "--connect", connect).out().strip())
              .isEqualTo("{\"_id\": 1, \"total\": 15}"));

      CliRunner.Result typed = CliRunner.capture("insert", "shop.typed", "{\"_id\": 1, \"n\": {\"$numberLong\": \"5\"}}", "--connect", connect);
      assertThat(typed.exitCode()).as(typed.err()).isZero();
      assertThat(cluster.client().getDatabase("shop").getCollection("typed").find().first().get("n")).as("Extended JSON keeps types")
          .isEqualTo(5L);

      CliRunner.Result duplicate = CliRunner.capture("insert", "shop.orders", "{\"_id\": 1}", "--connect", connect);
      assertThat(duplicate.exitCode()).isEqualTo(1);
      assertThat(duplicate.err().lines()).singleElement().asString().startsWith("error: ").contains("11000");

      CliRunner.Result deleted = CliRunner.capture("delete", "shop.orders", "{}", "--many", "--connect", connect);
      assertThat(Document.parse(deleted.out().strip())).containsEntry("deletedCount", 2);
      assertThat(CliRunner.capture("find", "shop.orders", "--connect", connect).out()).isEmpty();
    }
  }
}
