package io.sluice.node;

import static com.mongodb.client.model.Filters.eq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceCollection;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
  private static final Path ROOT = Path.of(System.getProperty("sluice.root", "..")).toAbsolutePath().normalize();
  /** Node N's admin port is its Raft port plus this. */
  private static final int ADMIN_OFFSET = 10;
  private static final Pattern LEADER_ROW = Pattern.compile("(?m)^(\\d)\\s+\\S+\\s+\\S+\\s+LEADER\\b");

  /** Kept when a test fails: the nodes' logs are in nodeN/node.log. */
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path data;
  private int raftBase;
  private int adminBase;

  @BeforeEach
  void choosePorts() {
    raftBase = freeBase();
    adminBase = raftBase + ADMIN_OFFSET;
  }

  @AfterEach
  void down() throws Exception {
    run("cluster", "down");
  }

  @Test
  void upWriteKillTheLeaderWriteAgainDown() throws Exception {
    String up = run("cluster", "up");
    assertThat(up).contains("LEADER").contains("sluice://127.0.0.1:" + (raftBase + 1) + ",127.0.0.1:" + (raftBase + 2)
        + ",127.0.0.1:" + (raftBase + 3));
    for (int n = 1; n <= 3; n++) {
      assertThat(data.resolve("node" + n + "/node.log")).exists();
    }
    List<String> pids = pids();
    assertThat(run("cluster", "up")).contains("node 1 is already running");
    assertThat(pids()).isEqualTo(pids);

    String connection = "sluice://127.0.0.1:" + (raftBase + 1) + ",127.0.0.1:" + (raftBase + 2) + ",127.0.0.1:" + (raftBase + 3);
    Process watch = null;
    try (SluiceClient client = SluiceClient.connect(connection + "/?timeoutMS=30000")) {
      SluiceCollection orders = client.getDatabase("shop").getCollection("orders");
      String beforeWrites;
      try (var cursor = orders.watch().cursor()) {
        beforeWrites = cursor.getResumeToken().toHex();
      }
      watch = start("watch", "shop.orders", "--filter", "{\"operationType\": \"insert\"}", "--node", "2", "--limit", "2",
          "--resume-after", beforeWrites);
      orders.insertOne(new Document("_id", 1).append("status", "pending"));

      int leader = leaderNode(run("cluster", "status"));
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
      await().atMost(Duration.ofSeconds(60)).until(() -> appliedAndDigests(run("cluster", "status", "--digest")).size() == 1);
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
    String fourth = "127.0.0.1:" + (raftBase + 4);
    assertThat(run("cluster", "add", "4")).contains("added " + fourth + " as a voter");
    assertThat(data.resolve("node4/node.yml")).content().contains("join: true");
    try (SluiceClient client = SluiceClient.connect("sluice://127.0.0.1:" + (raftBase + 1) + "/?timeoutMS=30000")) {
      SluiceCollection c = client.getDatabase("db").getCollection("c");
      for (int i = 0; i < 10; i++) {
        c.insertOne(new Document("_id", i));
      }
      assertThat(run("admin", "members")).contains(fourth).containsPattern("(?m)^\\S+\\s+\\S+\\s+leader");
      // All four up and equal before node 2 goes: the rejoin needs three of them to elect a leader.
      await().atMost(Duration.ofSeconds(60)).until(() -> appliedAndDigests(run("cluster", "status", "--digest"), 4).size() == 1);
      assertThat(run("cluster", "rejoin", "2")).contains("node 2 rejoined");
      c.insertOne(new Document("_id", "after rejoin"));
      await().atMost(Duration.ofSeconds(60)).until(() -> appliedAndDigests(run("cluster", "status", "--digest"), 4).size() == 1);

      assertThat(run("cluster", "remove", "4")).contains("removed " + fourth, "node 4 stopped");
      assertThat(run("admin", "members")).doesNotContain(fourth);
      c.insertOne(new Document("_id", "after remove"));
      await().atMost(Duration.ofSeconds(60)).until(() -> appliedAndDigests(run("cluster", "status", "--digest"), 3).size() == 1);
      assertThat(c.countDocuments()).isEqualTo(12);
    }
  }

  /** Runs a launcher command that must fail with exit code 2; returns its output. */
  private String fail(String... args) throws Exception {
    Process p = start(args);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(2);
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }

  private List<String> pids() throws IOException {
    return List.of(Files.readString(data.resolve("node1/node.pid")).trim(), Files.readString(data.resolve("node2/node.pid")).trim(),
        Files.readString(data.resolve("node3/node.pid")).trim());
  }

  /** The distinct "applied digest" pairs of the status table's rows; DOWN rows count as their own. */
  private static java.util.Set<String> appliedAndDigests(String status) {
    return appliedAndDigests(status, 3);
  }

  private static java.util.Set<String> appliedAndDigests(String status, int nodes) {
    java.util.Set<String> distinct = new java.util.HashSet<>();
    Matcher row = Pattern.compile("(?m)^\\d\\s+(.*)$").matcher(status);
    int rows = 0;
    while (row.find()) {
      String[] cells = row.group(1).trim().split("\\s+");
      distinct.add(cells[2].equals("DOWN") ? "DOWN" + rows : cells[cells.length - 2] + " " + cells[cells.length - 1]);
      rows++;
    }
    assertThat(rows).as("rows of:%n%s", status).isEqualTo(nodes);
    return distinct;
  }

  private static int leaderNode(String status) {
    Matcher m = LEADER_ROW.matcher(status);
    assertThat(m.find()).as("a LEADER row in:%n%s", status).isTrue();
    return Integer.parseInt(m.group(1));
  }

  private String run(String... args) throws Exception {
    Process p = start(args);
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("./sluice %s finished", String.join(" ", args)).isTrue();
    assertThat(p.exitValue()).as("exit code of ./sluice %s; output:%n%s", String.join(" ", args), output).isZero();
    return output;
  }

  private Process start(String... args) throws IOException {
    List<String> command = new java.util.ArrayList<>(List.of(ROOT.resolve("sluice").toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true);
    Map<String, String> env = builder.environment();
    env.put("SLUICE_DATA_DIR", data.toString());
    env.put("SLUICE_RAFT_PORT_BASE", String.valueOf(raftBase));
    env.put("SLUICE_ADMIN_PORT_BASE", String.valueOf(adminBase));
    env.put("SLUICE_JAVA_OPTS", "-Xmx256m");
    return builder.start();
  }

  /**
   * A base port whose next four Raft ports and four admin ports are free now (nodes 1-3 and an added
   * node 4). Below Linux's ephemeral range (32768 up), so no outgoing connection can take one first.
   */
  private static int freeBase() {
    for (int attempt = 0; attempt < 100; attempt++) {
      int base = ThreadLocalRandom.current().nextInt(20000, 32000);
      if (java.util.stream.IntStream.rangeClosed(1, 4).allMatch(i -> free(base + i) && free(base + ADMIN_OFFSET + i))) {
        return base;
      }
    }
    throw new IllegalStateException("no four free consecutive ports found");
  }

  private static boolean free(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress("127.0.0.1", port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
