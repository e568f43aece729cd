package io.sluice.node.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.node.cli.CliRunner;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench write --compare baseline,etcd} against a real 3-member etcd ({@link EtcdTestCluster}), and its bad input. */
class EtcdCompareTest {
  @TempDir
  Path dir;

  @Test
  void sluiceTheBaselineAndEtcdTakeTheSameLoadInTurnAndEachPairGivesARatio() throws Exception {
    try (EtcdTestCluster etcd = EtcdTestCluster.start(dir, 24790)) {
      Path json = dir.resolve("write.json");
      CliRunner.Result result = CliRunner.capture("bench", "write", "--compare", "baseline,etcd", "--etcd", etcd.endpoints(), "--jit-warmup", "0",
          "--warmup", "0", "--seconds", "1", "--runs", "1", "--inflight", "4", "--keys", "50", "--json", json.toString());
      assertThat(result.exitCode()).as(result.err()).isZero();
      assertThat(result.out()).contains("etcd, 4 in flight: writes/s", "sluice / etcd writes/s, 4 in flight", "sluice / baseline writes/s, 4 in flight");
      JsonNode figures = new ObjectMapper().readTree(json.toFile()).get("figures");
      double sluice = figures.get("sluice.4.rate").get("median").asDouble();
      double etcdRate = figures.get("etcd.4.rate").get("median").asDouble();
      assertThat(etcdRate).as("etcd acknowledged writes").isPositive();
      assertThat(figures.get("etcd.4.failed").get("median").asDouble()).isZero();
      assertThat(figures.get("ratio.etcd.4.rate").get("median").asDouble()).isCloseTo(sluice / etcdRate,
          org.assertj.core.data.Percentage.withPercentage(0.1));
      assertThat(figures.get("ratio.4.rate").get("median").asDouble()).as("the baseline's ratio keeps its key").isPositive();
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

  @Test
  void streamChecksEtcdBeforeMeasuringSluice() {
    CliRunner.Result result = CliRunner.capture("bench", "stream", "--compare", "etcd", "--etcd", "http://127.0.0.1:1", "--connect",
        "sluice://127.0.0.1:1");
    assertThat(result.exitCode()).isNotZero();
    assertThat(result.err()).contains("no etcd member at [http://127.0.0.1:1] is the leader", "etcd-cluster.sh up");
    assertThat(result.out()).doesNotContain("ack-to-event");
  }
}
