package io.sluice.node.bench;

import io.sluice.client.NodeDescription;
import io.sluice.client.SluiceClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Real nodes as child processes of this JVM (the same {@code java} and class path, each on 127.0.0.1
 * ephemeral ports with its data directory and log under one root), for benches that kill a node the
 * way a crash does: SIGKILL, with no chance to close a socket or a file. Nodes are numbered from 0; a
 * killed node keeps its ports and data and can be started again (it then recovers as after a crash).
 */
final class NodeProcesses implements AutoCloseable {
  /** As `./sluice cluster up` starts nodes: heap, collector and its pause goal (JAVA_OPTS in the launcher). */
  private static final List<String> HEAP_AND_COLLECTOR = List.of("-Xmx1g", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20");

  private final Path root;
  /** deploy/jvm/node.options, which the node jar carries, written out for {@code java @file}. */
  private final Path nodeOptions;
  private final List<String> addresses = new ArrayList<>();
  private final List<String> adminAddresses = new ArrayList<>();
  private final Process[] processes;
  private final SluiceClient client;
  /** Kills the nodes if this JVM ends without {@link #close} (Ctrl-C): no node outlives the bench. */
  private final Thread killer = new Thread(this::killAll, "bench-node-killer");

  private NodeProcesses(Path root, int size) {
    this.root = root;
    this.nodeOptions = writeNodeOptions(root);
    for (int i = 0; i < size; i++) {
      addresses.add("127.0.0.1:" + BenchCluster.freePort());
      adminAddresses.add("127.0.0.1:" + BenchCluster.freePort());
    }
    processes = new Process[size];
    client = SluiceClient.connect(connectionString() + "/?timeoutMS=10000");
    Runtime.getRuntime().addShutdownHook(killer);
  }

  private static Path writeNodeOptions(Path root) {
    try (InputStream options = NodeProcesses.class.getResourceAsStream("node.options")) {
      if (options == null) {
        throw new IllegalStateException("node.options is missing from the node jar; rebuild it");
      }
      Path file = Files.createDirectories(root).resolve("node.options").toAbsolutePath();
      Files.copy(options, file, StandardCopyOption.REPLACE_EXISTING);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("could not write the node processes' JVM flags under " + root, e);
    }
  }

  /** Starts {@code size} node processes and waits for a leader. */
  static NodeProcesses start(Path root, int size) {
    NodeProcesses nodes = new NodeProcesses(root, size);
    try {
      for (int i = 0; i < size; i++) {
        nodes.start(i);
      }
      nodes.awaitLeader();
    } catch (RuntimeException e) {
      nodes.close();
      throw e;
    }
    return nodes;
  }

  void start(int i) {
    if (processes[i] != null && processes[i].isAlive()) {
      throw new IllegalStateException("node " + i + " is already running");
    }
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(HEAP_AND_COLLECTOR);
    command.add("@" + nodeOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), io.sluice.node.cli.SluiceCli.class.getName(), "node",
        "--address", addresses.get(i), "--admin-address", adminAddresses.get(i), "--data-dir", root.resolve("node" + (i + 1)).toString(),
        "--peers", String.join(",", addresses)));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log(i).toFile()));
    // The nodes take their settings from the command line and the defaults only, as ./sluice's do.
    builder.environment().keySet().removeIf(name -> name.startsWith("SLUICE_NODE_"));
    try {
      processes[i] = builder.start();
    } catch (IOException e) {
      throw new IllegalStateException("could not start node " + i + ": " + e.getMessage(), e);
    }
  }

  /** SIGKILL, then waits for the process to be gone. */
  void kill(int i) throws InterruptedException {
    processes[i].destroyForcibly();
    if (!processes[i].waitFor(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("node " + i + " outlived SIGKILL for 30 s");
    }
  }

  String address(int i) {
    return addresses.get(i);
  }

  /** Where node i's output goes. */
  Path log(int i) {
    return root.resolve("node" + (i + 1) + ".log");
  }

  String connectionString() {
    return "sluice://" + String.join(",", addresses);
  }

  /** The index of the leader that takes writes, waiting up to 60 s for one. */
  int awaitLeader() {
    int[] found = {-1};
    waitUntil(() -> {
      Optional<NodeDescription> leader = describe().stream().filter(NodeDescription::leader).findFirst();
      leader.ifPresent(n -> found[0] = addresses.indexOf(n.address()));
      return leader.isPresent();
    }, Duration.ofSeconds(60), "a leader");
    return found[0];
  }

  /** A running node that is not the leader. */
  int aFollower() {
    int leader = awaitLeader();
    for (int i = 0; i < processes.length; i++) {
      if (i != leader && processes[i] != null && processes[i].isAlive()) {
        return i;
      }
    }
    throw new IllegalStateException("no running follower");
  }

  /** Waits (up to 2 minutes) until node i has applied what the leader had applied when asked. */
  void awaitCaughtUp(int i) {
    int leader = awaitLeader();
    long target = applied(leader);
    waitUntil(() -> applied(i) >= target, Duration.ofMinutes(2), "node " + i + " to apply index " + target);
  }

  private long applied(int i) {
    return describe().stream().filter(n -> n.address().equals(addresses.get(i)) && n.reachable()).mapToLong(NodeDescription::appliedIndex)
        .findFirst().orElse(-1);
  }

  private List<NodeDescription> describe() {
    for (int i = 0; i < processes.length; i++) {
      if (processes[i] != null && !processes[i].isAlive() && processes[i].exitValue() != 137) {
        throw new IllegalStateException("node " + i + " exited with " + processes[i].exitValue() + "; see " + log(i));
      }
    }
    return client.describeNodes();
  }

  /** Each check asks every node over the network: poll every 50 ms, not BenchCluster's 5. */
  private static void waitUntil(BooleanSupplier done, Duration timeout, String what) {
    BenchCluster.waitUntil(done, timeout, Duration.ofMillis(50), what);
  }

  private void killAll() {
    for (Process p : processes) {
      if (p != null) {
        p.destroyForcibly();
      }
    }
  }

  /** Stops every node with SIGTERM (a clean stop), SIGKILL after 30 s. */
  @Override
  public void close() {
    try {
      Runtime.getRuntime().removeShutdownHook(killer);
    } catch (IllegalStateException shuttingDown) {
      // The hook runs anyway.
    }
    client.close();
    for (Process p : processes) {
      if (p != null) {
        p.destroy();
      }
    }
    for (Process p : processes) {
      try {
        if (p != null && !p.waitFor(30, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
