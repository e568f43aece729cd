package io.sluice.node.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.node.cli.CliRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench write --compare baseline,etcd} against a real 3-member etcd that {@code deploy/etcd/etcd-cluster.sh}
 * starts on dedicated loopback ports (CI installs Debian's etcd-server; elsewhere the test needs it installed).
 */
class EtcdCompareTest {
  private static final Path SCRIPT = Path.of("..", "deploy", "etcd", "etcd-cluster.sh").toAbsolutePath().normalize();
  private static final String PORT_BASE = "24790";
  private static final String ENDPOINTS = "http://127.0.0.1:24791,http://127.0.0.1:24792,http://127.0.0.1:24793";

  @TempDir
  Path dir;

  @Test
  void sluiceTheBaselineAndEtcdTakeTheSameLoadInTurnAndEachPairGivesARatio() throws Exception {
    assumeThat(Files.isExecutable(Path.of("/usr/bin/etcd")) || "true".equals(System.getenv("CI"))).as("etcd is installed").isTrue();
    try {
      etcdCluster("up");
      Path json = dir.resolve("write.json");
      CliRunner.Result result = CliRunner.capture("bench", "write", "--compare", "baseline,etcd", "--etcd", ENDPOINTS, "--jit-warmup", "0",
          "--warmup", "0", "--seconds", "1", "--runs", "1", "--inflight", "4", "--keys", "50", "--json", json.toString());
      assertThat(result.exitCode()).as(result.err()).isZero();
      assertThat(result.out()).contains("etcd, 4 in flight: writes/s", "sluice / etcd writes/s, 4 in flight", "sluice / baseline writes/s, 4 in flight");
      JsonNode figures = new ObjectMapper().readTree(json.toFile()).get("figures");
      double sluice = figures.get("sluice.4.rate").get("median").asDouble();
      double etcd = figures.get("etcd.4.rate").get("median").asDouble();
      assertThat(etcd).as("etcd acknowledged writes").isPositive();
      assertThat(figures.get("etcd.4.failed").get("median").asDouble()).isZero();
      assertThat(figures.get("ratio.etcd.4.rate").get("median").asDouble()).isCloseTo(sluice / etcd,
          org.assertj.core.data.Percentage.withPercentage(0.1));
      assertThat(figures.get("ratio.4.rate").get("median").asDouble()).as("the baseline's ratio keeps its key").isPositive();
    } finally {
      etcdCluster("down");
    }
  }

  @Test
  void valuesEtcdWouldRefuseAreRefusedUpFront() {
    CliRunner.Result result = CliRunner.capture("bench", "write", "--compare", "etcd", "--value-bytes", "2000000");
    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("--compare etcd takes values up to 1048576 bytes", "got --value-bytes 2000000");
  }

  @Test
  void anUnreachableEtcdIsAClearError() {
    CliRunner.Result result = CliRunner.capture("bench", "write", "--compare", "etcd", "--etcd", "http://127.0.0.1:1", "--jit-warmup", "0",
        "--warmup", "0", "--seconds", "1", "--runs", "1", "--inflight", "1", "--keys", "1");
    assertThat(result.exitCode()).isNotZero();
    assertThat(result.err()).contains("could not load 1 keys into etcd at http://127.0.0.1:1", "etcd-cluster.sh up");
  }

  private void etcdCluster(String command) throws Exception {
    ProcessBuilder builder = new ProcessBuilder("bash", SCRIPT.toString(), command).redirectErrorStream(true)
        .redirectOutput(dir.resolve("etcd-" + command + ".out").toFile());
    builder.environment().putAll(Map.of("SLUICE_ETCD_DIR", dir.resolve("etcd").toString(), "SLUICE_ETCD_PORT_BASE", PORT_BASE));
    Process process = builder.start();
    if (!process.waitFor(3, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError("etcd-cluster.sh " + command + " did not finish in 3 minutes");
    }
    assertThat(process.exitValue()).as("etcd-cluster.sh %s: %s", command, Files.readString(dir.resolve("etcd-" + command + ".out"))).isZero();
  }
}
