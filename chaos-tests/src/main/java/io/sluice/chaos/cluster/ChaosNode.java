package io.sluice.chaos.cluster;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Volume;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.OutputFrame;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * One node of a chaos cluster: a container of the node image on the host network, bound to its own
 * loopback address, running under its own UID (so the firewall can tell its traffic apart), with
 * its data directory on the host so it survives a kill and can be wiped. Its output is appended to
 * {@code nodeN.log} next to the data directory, across restarts.
 */
public final class ChaosNode {
  /** Every container the harness starts carries this label, so leftovers can always be removed. */
  public static final String LABEL = "io.sluice.chaos";
  private static final int RAFT_PORT = 7000;
  private static final int ADMIN_PORT = 7001;

  private final int number;
  private final Path dataDir;
  private final Path logFile;
  private final GenericContainer<?> container;
  private boolean paused;

  ChaosNode(int number, String image, String cluster, List<String> peers, Path runDir) {
    this.number = number;
    this.dataDir = runDir.toAbsolutePath().resolve("node" + number);
    this.logFile = runDir.toAbsolutePath().resolve("node" + number + ".log");
    this.container = new GenericContainer<>(DockerImageName.parse(image))
        .withImagePullPolicy(imageName -> false)
        .withNetworkMode("host")
        .withLabel(LABEL, "true")
        .withEnv("JAVA_TOOL_OPTIONS", "-Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath=/data -Xlog:gc:file=/data/gc.log:uptime")
        .withCreateContainerCmdModifier(cmd -> {
          cmd.withUser(Integer.toString(uid()));
          cmd.getHostConfig().withBinds(new Bind(dataDir.toString(), new Volume("/data")));
        })
        .withCommand(command(cluster, peers))
        .withLogConsumer(this::appendToLog)
        .waitingFor(Wait.forLogMessage(".* started: raft/clients on .*", 1).withStartupTimeout(Duration.ofSeconds(90)));
  }

  public static String address(int number) {
    return host(number) + ":" + RAFT_PORT;
  }

  static String host(int number) {
    return "127.0.10." + number;
  }

  public int number() {
    return number;
  }

  /** host:port for Raft and clients. */
  public String address() {
    return address(number);
  }

  /** The loopback address the node's traffic comes from. */
  public String host() {
    return host(number);
  }

  public String adminAddress() {
    return host() + ":" + ADMIN_PORT;
  }

  int uid() {
    return 20000 + number;
  }

  public boolean isRunning() {
    return container.getContainerId() != null && container.isRunning();
  }

  /**
   * How the node's process ended, if it has: its exit code (3 is the JVM's exit on running out of
   * heap), and whether the kernel killed it for memory. Empty while it runs, and when Docker does
   * not answer: a busy engine is not a dead node.
   */
  public Optional<String> exit() {
    String id = container.getContainerId();
    if (id == null) {
      return Optional.of("it has no container");
    }
    try {
      InspectContainerResponse.ContainerState state = docker().inspectContainerCmd(id).exec().getState();
      if (Boolean.TRUE.equals(state.getRunning())) {
        return Optional.empty();
      }
      return Optional.of("it exited with code " + state.getExitCodeLong()
          + (Boolean.TRUE.equals(state.getOOMKilled()) ? ", killed by the kernel for memory" : ""));
    } catch (NotFoundException e) {
      return Optional.of("its container is gone");
    } catch (DockerException e) {
      return Optional.empty();
    }
  }

  public boolean isPaused() {
    return paused;
  }

  /** Starts the node (a new container on the same data directory) and waits until it listens. */
  public void start() {
    prepareDataDir();
    container.start();
  }

  /** SIGKILL: the process dies at once, its data directory stays as it was. */
  public void kill() {
    if (container.getContainerId() == null) {
      return;
    }
    if (paused) {
      resume();
    }
    try {
      signal("KILL");
    } catch (RuntimeException e) {
      // Already dead: nothing to kill.
    }
    container.stop();
  }

  /**
   * SIGSTOP: every thread of the node stops where it is. Not {@code docker pause}: the cgroup freezer
   * gives up ("unable to freeze") when a thread sits in a long uninterruptible write, as during a
   * snapshot's fsync, and a signal just waits for it.
   */
  public void pause() {
    signal("STOP");
    paused = true;
  }

  public void resume() {
    signal("CONT");
    paused = false;
  }

  /** Sends the node's process signal {@code name} and nothing else (the container is left as it is). */
  void signal(String name) {
    docker().killContainerCmd(container.getContainerId()).withSignal(name).exec();
  }

  /**
   * Starts the node with {@code --rejoin}, as an operator does for a node whose disk was lost: it
   * has the cluster remove it and add it back as a fresh member. Later restarts are plain again.
   */
  public void startRejoining() {
    String[] plain = container.getCommandParts();
    String[] rejoin = java.util.Arrays.copyOf(plain, plain.length + 1);
    rejoin[plain.length] = "--rejoin";
    container.setCommand(rejoin);
    try {
      start();
    } finally {
      container.setCommand(plain);
    }
  }

  /** Kills the node and deletes its data directory: it must rejoin from the others. */
  public void killAndWipe() {
    kill();
    deleteRecursively(dataDir);
  }

  void remove() {
    container.stop();
  }

  /**
   * Snapshots every 1,000 entries and small segments, so that during a run nodes take snapshots
   * often and purge their logs, and a node back from a longer fault (a kill, a wiped disk, a removal)
   * is behind the purged log and must install a snapshot. The log kept behind a snapshot is still
   * several seconds of writes: with 200 entries, a node that took longer than those to install a
   * snapshot could find the log purged past it again and install snapshot after snapshot, and a
   * member being added back, which must catch up first, stayed out for as long as that went on.
   */
  private String[] command(String cluster, List<String> peers) {
    return new String[] {"node", "--cluster", cluster, "--address", address(), "--admin-address", adminAddress(),
        "--data-dir", "/data", "--peers", String.join(",", peers), "--set", "snapshotEveryEntries=1000",
        "--set", "logEntriesKeptAfterSnapshot=5000", "--set", "raftSegmentSizeMb=1"};
  }

  private void prepareDataDir() {
    try {
      Files.createDirectories(dataDir);
      Files.setAttribute(dataDir, "unix:uid", uid());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare " + dataDir, e);
    }
  }

  private void appendToLog(OutputFrame frame) {
    try {
      Files.writeString(logFile, frame.getUtf8String(), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + logFile, e);
    }
  }

  private static DockerClient docker() {
    return DockerClientFactory.instance().client();
  }

  static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot wipe " + dir, e);
    }
  }

  /**
   * For failure messages: the last {@code count} lines the node printed, after its last {@code count}
   * errors (a node that stops itself logs the cause first, then many lines of shutting down).
   */
  public String logExcerpt(int count) {
    try (Stream<String> lines = Files.lines(logFile)) {
      List<String> all = lines.toList();
      List<String> errors = all.stream().filter(line -> line.contains(" ERROR ") || line.contains("OutOfMemoryError")).toList();
      return "its last errors:\n" + String.join("\n", last(errors, count)) + "\nits last lines:\n" + String.join("\n", last(all, count));
    } catch (IOException | UncheckedIOException e) {
      return "(its log " + logFile + " cannot be read: " + e + ")";
    }
  }

  private static List<String> last(List<String> lines, int count) {
    return lines.subList(Math.max(0, lines.size() - count), lines.size());
  }

  @Override
  public String toString() {
    return "n" + number + "(" + address() + ")";
  }
}
