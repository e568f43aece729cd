package io.sluice.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Node processes of a local cluster, driven through the {@code ./sluice} launcher as a user would, on
 * ports of their own and in a data directory of the test's: {@code SLUICE_DATA_DIR/nodeN} holds node
 * N's {@code node.yml}, data and {@code node.log}.
 */
final class LauncherCluster {
  private static final Path ROOT = Path.of(System.getProperty("sluice.root", "..")).toAbsolutePath().normalize();
  /** Node N's admin port is its Raft port plus this. */
  private static final int ADMIN_OFFSET = 10;
  /** Nodes 1 to this many get free ports. */
  private static final int MAX_NODES = 5;
  private static final Pattern LEADER_ROW = Pattern.compile("(?m)^(\\d)\\s+\\S+\\s+\\S+\\s+LEADER\\b");

  final Path data;
  final int raftBase;
  final int adminBase;

  LauncherCluster(Path data) {
    this.data = data;
    this.raftBase = freeBase();
    this.adminBase = raftBase + ADMIN_OFFSET;
  }

  Path nodeDir(int n) {
    return data.resolve("node" + n);
  }

  String raftAddress(int n) {
    return "127.0.0.1:" + (raftBase + n);
  }

  /** A connection string naming the given nodes. */
  String connection(int... nodes) {
    return "sluice://" + IntStream.of(nodes).mapToObj(this::raftAddress).collect(Collectors.joining(","));
  }

  /** Runs a launcher command that must succeed; returns its output. */
  String run(String... args) throws Exception {
    Process p = start(args);
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("./sluice %s finished", String.join(" ", args)).isTrue();
    assertThat(p.exitValue()).as("exit code of ./sluice %s; output:%n%s", String.join(" ", args), output).isZero();
    return output;
  }

  /** Runs a launcher command that must fail with exit code 2; returns its output. */
  String fail(String... args) throws Exception {
    Process p = start(args);
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("exit code of ./sluice %s; output:%n%s", String.join(" ", args), output).isEqualTo(2);
    return output;
  }

  Process start(String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(ROOT.resolve("sluice").toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true);
    Map<String, String> env = builder.environment();
    env.put("SLUICE_DATA_DIR", data.toString());
    env.put("SLUICE_RAFT_PORT_BASE", String.valueOf(raftBase));
    env.put("SLUICE_ADMIN_PORT_BASE", String.valueOf(adminBase));
    env.put("SLUICE_JAVA_OPTS", "-Xmx256m");
    return builder.start();
  }

  /** The number of the node the status table calls leader. */
  int leader() throws Exception {
    String status = run("cluster", "status");
    Matcher m = LEADER_ROW.matcher(status);
    assertThat(m.find()).as("a LEADER row in:%n%s", status).isTrue();
    return Integer.parseInt(m.group(1));
  }

  /** Waits until the status table has {@code nodes} rows, every node up with the same applied index and digest. */
  void awaitIdenticalState(int nodes) {
    try {
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
        String status = run("cluster", "status", "--digest");
        assertThat(appliedAndDigests(status, nodes)).as("one applied index and digest in:%n%s", status).hasSize(1);
      });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      dumpThreads();
      throw e;
    }
  }

  /**
   * Each running node's threads, in nodeN/threads.txt beside its log (kept when a test fails), for a
   * node that stopped answering: once, a node just promoted from learner to voter answered no Raft call
   * for over a minute while its admin port still answered.
   */
  private void dumpThreads() {
    Path jcmd = Path.of(ProcessHandle.current().info().command().orElse("java")).resolveSibling("jcmd");
    for (int n = 1; n <= MAX_NODES; n++) {
      Path pidFile = nodeDir(n).resolve("node.pid");
      try {
        if (Files.exists(pidFile)) {
          String pid = Files.readString(pidFile).trim();
          new ProcessBuilder(jcmd.toString(), pid, "Thread.print").redirectErrorStream(true)
              .redirectOutput(nodeDir(n).resolve("threads.txt").toFile()).start().waitFor(30, TimeUnit.SECONDS);
        }
      } catch (IOException | InterruptedException e) {
        System.err.println("no thread dump of node " + n + ": " + e);
      }
    }
  }

  /** The distinct "applied digest" pairs of the status table's rows; DOWN rows count as their own. */
  static Set<String> appliedAndDigests(String status, int nodes) {
    Set<String> distinct = new HashSet<>();
    Matcher row = Pattern.compile("(?m)^\\d\\s+(.*)$").matcher(status);
    int rows = 0;
    while (row.find()) {
      String[] cells = row.group(1).trim().split("\\s+");
      // ID ADDRESS ROLE TERM COMMIT APPLIED HISTORY STREAMS DIGEST
      distinct.add(cells[2].equals("DOWN") ? "DOWN" + rows : cells[5] + " " + cells[8]);
      rows++;
    }
    assertThat(rows).as("rows of:%n%s", status).isEqualTo(nodes);
    return distinct;
  }

  /**
   * A base port whose next Raft and admin ports are free now, for nodes 1 to {@link #MAX_NODES}. Below
   * Linux's ephemeral range (32768 up), so no outgoing connection can take one first.
   */
  private static int freeBase() {
    for (int attempt = 0; attempt < 100; attempt++) {
      int base = ThreadLocalRandom.current().nextInt(20000, 32000);
      if (IntStream.rangeClosed(1, MAX_NODES).allMatch(i -> free(base + i) && free(base + ADMIN_OFFSET + i))) {
        return base;
      }
    }
    throw new IllegalStateException("no free ports found for " + MAX_NODES + " nodes");
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
