package io.sluice.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.node.cli.CliRunner;
import java.nio.file.Path;
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
          "--projection", "{\"status\": 0}", "--follower", "--connect", connect);
      assertThat(found.exitCode()).as(found.err()).isZero();
      assertThat(found.out().lines().map(Document::parse))
          .containsExactly(new Document("_id", 2).append("total", 30), new Document("_id", 1).append("total", 15));

      CliRunner.Result duplicate = CliRunner.capture("insert", "shop.orders", "{\"_id\": 1}", "--connect", connect);
      assertThat(duplicate.exitCode()).isEqualTo(1);
      assertThat(duplicate.err().lines()).singleElement().asString().startsWith("error: ").contains("11000");

      CliRunner.Result deleted = CliRunner.capture("delete", "shop.orders", "{}", "--many", "--connect", connect);
      assertThat(Document.parse(deleted.out().strip())).containsEntry("deletedCount", 2);
      assertThat(CliRunner.capture("find", "shop.orders", "--connect", connect).out()).isEmpty();
    }
  }
}
