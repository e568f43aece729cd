package io.sluice.node.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real 3-member etcd on dedicated loopback ports, started by {@code deploy/etcd/etcd-cluster.sh} (CI installs
 * Debian's etcd-server; elsewhere a test using it is skipped unless etcd is installed).
 */
public final class EtcdTestCluster implements AutoCloseable {
  private static final Path SCRIPT = Path.of("..", "deploy", "etcd", "etcd-cluster.sh").toAbsolutePath().normalize();

  private final Path dir;
  private final int portBase;

  private EtcdTestCluster(Path dir, int portBase) {
    this.dir = dir;
    this.portBase = portBase;
  }

  /** Starts the members on ports {@code portBase + 1..3} (clients) and their peer ports, with their data under {@code dir}. */
  public static EtcdTestCluster start(Path dir, int portBase) throws Exception {
    assumeThat(Files.isExecutable(Path.of("/usr/bin/etcd")) || "true".equals(System.getenv("CI"))).as("etcd is installed").isTrue();
    EtcdTestCluster cluster = new EtcdTestCluster(dir, portBase);
    try {
      cluster.run("up");
    } catch (Exception | AssertionError e) {
      try {
        cluster.close();
      } catch (Exception | AssertionError closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
    return cluster;
  }

  /** The members' client URLs, comma-separated, as {@code --etcd} takes them. */
  public String endpoints() {
    return String.format("http://127.0.0.1:%d,http://127.0.0.1:%d,http://127.0.0.1:%d", portBase + 1, portBase + 2, portBase + 3);
  }

  @Override
  public void close() throws Exception {
    run("down");
  }

  private void run(String command) throws Exception {
    Path output = dir.resolve("etcd-" + command + ".out");
    ProcessBuilder builder = new ProcessBuilder("bash", SCRIPT.toString(), command).redirectErrorStream(true).redirectOutput(output.toFile());
    builder.environment().putAll(Map.of("SLUICE_ETCD_DIR", dir.resolve("etcd").toString(), "SLUICE_ETCD_PORT_BASE", Integer.toString(portBase)));
    Process process = builder.start();
    if (!process.waitFor(3, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError("etcd-cluster.sh " + command + " did not finish in 3 minutes");
    }
    assertThat(process.exitValue()).as("etcd-cluster.sh %s: %s", command, Files.readString(output)).isZero();
  }
}
