package io.sluice.node;

import static com.mongodb.client.model.Filters.eq;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceCollection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's promise, with real processes: {@code ./sluice cluster up} starts three nodes, a Java
 * client writes, {@code ./sluice cluster kill} takes the leader down, writes go on, and
 * {@code ./sluice cluster down} stops everything. Runs on its own ports and data directory.
 */
class ClusterScriptIT {
  /** Kept when a test fails: the nodes' logs are in nodeN/node.log. */
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path data;
  private LauncherCluster cluster;

  @BeforeEach
  void choosePorts() {
    cluster = new LauncherCluster(data);
  }

  @AfterEach
  void down() throws Exception {
    cluster.run("cluster", "down");
  }

  @Test
  void upWriteKillTheLeaderWriteAgainDown() throws Exception {
    String up = run("cluster", "up");
    String connection = cluster.connection(1, 2, 3);
    assertThat(up).contains("LEADER").contains(connection);
    for (int n = 1; n <= 3; n++) {
      assertThat(data.resolve("node" + n + "/node.log")).exists();
    }
    List<String> pids = pids();
    assertThat(run("cluster", "up")).contains("node 1 is already running");
    assertThat(pids()).isEqualTo(pids);

    Process watch = null;
    try (SluiceClient client = SluiceClient.connect(connection + "/?timeoutMS=30000")) {
      SluiceCollection orders = client.getDatabase("shop").getCollection("orders");
      String beforeWrites;
      try (var cursor = orders.watch().cursor()) {
        beforeWrites = cursor.getResumeToken().toHex();
      }
      watch = cluster.start("watch", "shop.orders", "--filter", "{\"operationType\": \"insert\"}", "--node", "2", "--limit", "2",
          "--resume-after", beforeWrites);
      orders.insertOne(new Document("_id", 1).append("status", "pending"));

      int leader = cluster.leader();
      assertThat(run("cluster", "kill", String.valueOf(leader))).contains("node " + leader + " stopped (KILL)");

      orders.insertOne(new Document("_id", 2).append("status", "after-failover"));
      assertThat(watch.waitFor(60, TimeUnit.SECONDS)).as("watch stops after --limit 2 events").isTrue();
      List<String> lines = new String(watch.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
          .filter(l -> l.startsWith("{")).toList();
      assertThat(lines).hasSize(2);
      assertThat(org.bson.BsonDocument.parse(lines.get(0)).getDocument("fullDocument").getString("status").getValue()).isEqualTo("pending");
      assertThat(org.bson.BsonDocument.parse(lines.get(1)).getString("operationType").getValue()).isEqualTo("insert");
      assertThat(orders.countDocuments()).isEqualTo(2);
      assertThat(orders.find(eq("_id", 1)).first().getString("status")).isEqualTo("pending");

      run("cluster", "start", String.valueOf(leader));
      // The killed node restarts from its store and the log, and ends with the others' exact state.
      cluster.awaitIdenticalState(3);
    } finally {
      if (watch != null) {
        watch.destroyForcibly();
      }
    }
    assertThat(run("cluster", "down")).contains("node 1 stopped", "node 2 stopped", "node 3 stopped");
    for (String pid : pids) {
      assertThat(ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false)).as("pid %s", pid).isFalse();
    }
  }

  @Test
  void aBadNodeNumberIsAClearErrorWithExitCode2() throws Exception {
    assertThat(fail("cluster", "kill", "10")).contains("node number must be 1..9, got '10'");
    assertThat(fail("cluster", "kill", "7")).contains("node 7 is not a node of the local cluster (nodes: 1 2 3)");
    assertThat(fail("cluster", "add", "2")).contains("cluster add takes a node number 4..9");
  }

  @Test
  void addANodeRejoinAnotherAndRemoveTheFirst() throws Exception {
    run("cluster", "up");
    String fourth = cluster.raftAddress(4);
    assertThat(run("cluster", "add", "4")).contains("added " + fourth + " as a voter");
    assertThat(data.resolve("node4/node.yml")).content().contains("join: true");
    try (SluiceClient client = SluiceClient.connect(cluster.connection(1) + "/?timeoutMS=30000")) {
      SluiceCollection c = client.getDatabase("db").getCollection("c");
      for (int i = 0; i < 10; i++) {
        c.insertOne(new Document("_id", i));
      }
      assertThat(run("admin", "members")).contains(fourth).containsPattern("(?m)^\\S+\\s+\\S+\\s+leader");
      // All four up and equal before node 2 goes: the rejoin needs three of them to elect a leader.
      cluster.awaitIdenticalState(4);
      assertThat(run("cluster", "rejoin", "2")).contains("node 2 rejoined");
      c.insertOne(new Document("_id", "after rejoin"));
      cluster.awaitIdenticalState(4);

      assertThat(run("cluster", "remove", "4")).contains("removed " + fourth, "node 4 stopped");
      assertThat(run("admin", "members")).doesNotContain(fourth);
      c.insertOne(new Document("_id", "after remove"));
      cluster.awaitIdenticalState(3);
      assertThat(c.countDocuments()).isEqualTo(12);
    }
  }

  private List<String> pids() throws IOException {
    return List.of(Files.readString(data.resolve("node1/node.pid")).trim(), Files.readString(data.resolve("node2/node.pid")).trim(),
        Files.readString(data.resolve("node3/node.pid")).trim());
  }

  private String run(String... args) throws Exception {
    return cluster.run(args);
  }

  private String fail(String... args) throws Exception {
    return cluster.fail(args);
  }
}
