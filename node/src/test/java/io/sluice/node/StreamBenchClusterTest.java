package io.sluice.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.node.bench.EtcdTestCluster;
import io.sluice.node.cli.CliRunner;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench stream|resume|fanout} on a real 3-node cluster, briefly: each part runs and counts every event; figures are not asserted. */
class StreamBenchClusterTest {
  @TempDir
  Path dir;

  @Test
  void eachChangeStreamScenarioMeasuresOnlyItsOwnPart() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(dir, 3)) {
      String connect = cluster.connectionString();
      Path json = dir.resolve("stream.json");
      CliRunner.Result stream = CliRunner.capture("bench", "stream", "--connect", connect, "--rate", "50", "--writers", "2",
          "--jit-warmup", "1", "--warmup", "1", "--seconds", "1", "--opens", "5", "--json", json.toString());
      assertThat(stream.exitCode()).as(stream.err()).isZero();
      assertThat(stream.out()).contains("ack-to-event at fixed rate", "JIT warm-up: 1 s of 2 closed-loop writers", "ack-to-event at saturation",
          "open a stream on the follower").doesNotContain("resume from", "fan-out:");
      JsonNode figures = new ObjectMapper().readTree(json.toFile());
      for (String key : new String[] {"ack_to_event_follower_fixed_rate", "ack_to_event_leader_fixed_rate",
          "ack_to_event_follower_saturation", "ack_to_event_leader_saturation", "open"}) {
        assertThat(figures.get(key).get("count").asLong()).as(key).isPositive();
      }
      assertThat(figures.get("ack_to_event_follower_fixed_rate").get("count").asLong())
          .as("one event per measured write, 50/s for 1 s: the warm-ups' writes are not measured").isEqualTo(50);
      assertThat(figures.get("open").get("count").asLong()).as("only the measured opens").isEqualTo(5);
      for (String load : new String[] {"load_fixed_rate", "load_saturation"}) {
        assertThat(figures.get(load).get("missing_on_follower").asLong()).as(load + ": acknowledged writes without an event").isZero();
        assertThat(figures.get(load).get("missing_on_leader").asLong()).as(load).isZero();
        assertThat(figures.get(load).get("writes_per_second").asDouble()).as(load).isPositive();
      }

      CliRunner.Result resume = CliRunner.capture("bench", "resume", "--connect", connect, "--resume-back", "1200");
      assertThat(resume.exitCode()).as(resume.err()).isZero();
      assertThat(resume.out()).contains("resume from 1 entries back", "resume from 1000 entries back", "resume from 1199 entries back")
          .doesNotContain("ack-to-event", "fan-out:");

      // 1 s unmeasured and 1 s measured at 10 writes/s: 20 writes, of which 10 are timed.
      CliRunner.Result fanout = CliRunner.capture("bench", "fanout", "--connect", connect, "--fanout", "1,20", "--fanout-rate", "10",
          "--fanout-seconds", "1", "--warmup", "1");
      assertThat(fanout.exitCode()).as(fanout.err()).isZero();
      assertThat(fanout.out()).contains("1 streams: delivery n=10 ", "10 of 10 measured deliveries seen", "20 streams: delivery n=200 ",
          "200 of 200 measured deliveries seen").doesNotContain("ack-to-event", "resume from");
      CliRunner.Result owners = CliRunner.capture("bench", "fanout", "--connect", connect, "--fanout", "20", "--fanout-rate", "10",
          "--fanout-seconds", "1", "--warmup", "1", "--fanout-filter", "owner", "--fanout-await", "5000");
      assertThat(owners.exitCode()).as(owners.err()).isZero();
      assertThat(owners.out()).as("each write reaches the one stream of its owner").contains("20 streams: delivery n=10 ", "10 of 10 measured deliveries seen");
      // The Java client's publishers, opened during a warm-up long enough for them to open.
      CliRunner.Result viaClient = CliRunner.capture("bench", "fanout", "--connect", connect, "--fanout", "20", "--fanout-rate", "10",
          "--fanout-seconds", "1", "--warmup", "3", "--fanout-via", "client");
      assertThat(viaClient.exitCode()).as(viaClient.err()).isZero();
      assertThat(viaClient.out()).contains("20 streams: delivery n=200 ", "200 of 200 measured deliveries seen", "0 streams failed");
    }
  }

  @Test
  void streamComparedWithEtcdMeasuresEtcdsWatchesAtTheSameRate() throws Exception {
    try (EtcdTestCluster etcd = EtcdTestCluster.start(dir, 24890); LocalCluster cluster = LocalCluster.start(dir, 3)) {
      Path json = dir.resolve("stream-etcd.json");
      CliRunner.Result stream = CliRunner.capture("bench", "stream", "--connect", cluster.connectionString(), "--compare", "etcd", "--etcd",
          etcd.endpoints(), "--rate", "50", "--writers", "2", "--jit-warmup", "0", "--warmup", "1", "--seconds", "1", "--opens", "5", "--json", json.toString());
      assertThat(stream.exitCode()).as(stream.err()).isZero();
      assertThat(stream.out()).contains("ack-to-event at fixed rate", "etcd ack-to-event at fixed rate: 50 puts/s", "etcd follower watch");
      JsonNode figures = new ObjectMapper().readTree(json.toFile());
      assertThat(figures.get("ack_to_event_follower_fixed_rate").get("count").asLong()).as("Sluice's part is still there").isEqualTo(50);
      for (String watch : new String[] {"etcd_ack_to_event_follower_fixed_rate", "etcd_ack_to_event_leader_fixed_rate"}) {
        assertThat(figures.get(watch).get("count").asLong()).as("%s: one event per measured put, 50/s for 1 s", watch).isEqualTo(50);
      }
      JsonNode load = figures.get("etcd_load_fixed_rate");
      assertThat(load.get("acknowledged").asLong()).as("warm-up and measured puts").isEqualTo(100);
      assertThat(load.get("writes_per_second").asDouble()).isPositive();
      for (String none : new String[] {"failed", "missing_on_leader", "missing_on_follower"}) {
        assertThat(load.get(none).asLong()).as(none).isZero();
      }
    }
  }
}
