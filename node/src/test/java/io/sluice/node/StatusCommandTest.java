package io.sluice.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.node.cli.CliRunner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sluice status}: every member as a table or as JSON, a node that does not answer shown as DOWN; {@code --wait}. */
class StatusCommandTest {
  @TempDir
  Path dir;

  @Test
  void everyMemberAsTableAndAsJsonWithADownNodeNamed() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(dir, 3)) {
      cluster.client().getDatabase("db").getCollection("c").insertOne(new org.bson.Document("_id", 1));
      cluster.awaitIdenticalState();
      List<String> admins = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        admins.add(cluster.node(i).config().adminAddress());
      }
      admins.add("127.0.0.1:1");
      String admin = String.join(",", admins);

      CliRunner.Result json = CliRunner.capture("status", "--admin", admin, "-w", "json");
      assertThat(json.exitCode()).as(json.err()).isZero();
      JsonNode nodes = new ObjectMapper().readTree(json.out());
      assertThat(nodes).hasSize(4);
      List<String> roles = new ArrayList<>();
      nodes.forEach(n -> roles.add(n.path("role").asText()));
      assertThat(roles).containsExactlyInAnyOrder("LEADER", "FOLLOWER", "FOLLOWER", "DOWN");
      assertThat(nodes.get(0).path("address").asText()).isEqualTo(cluster.address(0));
      assertThat(nodes.get(0).path("historyLastIndex").asLong()).isPositive();
      assertThat(nodes.get(3).path("error").asText()).contains("127.0.0.1:1 does not answer");
      // The digest reads a node's whole store, with applying held up: only when asked for.
      assertThat(nodes.get(0).path("digest").isNull()).as(json.out()).isTrue();
      CliRunner.Result withDigest = CliRunner.capture("status", "--admin", admin, "-w", "json", "--digest");
      assertThat(withDigest.exitCode()).as(withDigest.err()).isZero();
      JsonNode digested = new ObjectMapper().readTree(withDigest.out());
      for (int i = 0; i < 3; i++) {
        assertThat(digested.get(i).path("digest").asText()).as(withDigest.out()).matches("[0-9a-f]{64}");
      }

      CliRunner.Result table = CliRunner.capture("status", "--admin", admin);
      assertThat(table.exitCode()).isZero();
      List<String> lines = table.out().lines().toList();
      assertThat(lines.get(0)).contains("ROLE", "COMMIT", "APPLIED", "HISTORY", "STREAMS", "DIGEST");
      assertThat(lines).hasSize(5);
      assertThat(lines.get(4)).contains("DOWN");

      CliRunner.Result bad = CliRunner.capture("status", "--admin", admin, "-w", "yaml");
      assertThat(bad.exitCode()).isEqualTo(2);
      assertThat(bad.err()).contains("Invalid value for option '--write-out'");

      // `cluster up` waits so: for a leader and for every node, the down one named in the table it prints.
      CliRunner.Result notAllUp = CliRunner.capture("status", "--admin", admin, "--wait", "1");
      assertThat(notAllUp.exitCode()).isEqualTo(1);
      assertThat(notAllUp.out()).contains("LEADER", "admin 127.0.0.1:1 does not answer");
      CliRunner.Result allUp = CliRunner.capture("status", "--admin", String.join(",", admins.subList(0, 3)), "--wait", "60");
      assertThat(allUp.exitCode()).as(allUp.err()).isZero();
      assertThat(allUp.out()).contains("LEADER").doesNotContain("DOWN");
      CliRunner.Result negative = CliRunner.capture("status", "--admin", admin, "--wait", "-1");
      assertThat(negative.exitCode()).isEqualTo(2);
      assertThat(negative.err()).contains("--wait takes 0 or more seconds, got -1");
    }
  }
}
