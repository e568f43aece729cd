package io.sluice.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The bench command runs end to end on a small input and refuses bad input clearly; its figures are not asserted. */
class BenchCommandTest {

  private static String[] run(int expectedExit, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = SluiceCli.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    assertThat(cli.execute(args)).as("exit code; stderr: %s", err).isEqualTo(expectedExit);
    return new String[] {out.toString(), err.toString()};
  }

  @Test
  void resumeDepthResumesRightAfterEachTokenOnASmallStore() {
    String out = run(0, "bench", "resume-depth", "--entries", "1200")[0];
    assertThat(out).contains("resume 1 entries back", "resume 1,000 entries back", "resume 1,199 entries back");
  }

  @Test
  void pinsComparesPinnedAndUnpinnedStreamsWithEveryEventDelivered() {
    String out = run(0, "bench", "pins", "--pin-streams", "20", "--pin-writes", "40", "--runs", "1")[0];
    // The bench itself fails if an event is missing; here both figures and the pair's ratio are printed.
    assertThat(out).contains("warm-up 20 streams: pinned", "run 1 20 streams: pinned", "median of 1: pinned", "ratio");
  }

  @Test
  void maintenanceReportsBothStoresAtTheEnd(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("maintenance.json");
    String out = run(0, "bench", "maintenance", "--entries", "1500", "--json", json.toString())[0];
    assertThat(out).containsPattern("1,500 entries, maintained +file +[0-9.]+ MiB, records +[0-9.]+ MiB, compactions +0, renewals +0; apply n=1500")
        .containsPattern("1,500 entries, unmaintained +file");
    assertThat(java.nio.file.Files.readString(json)).contains("\"rows\"", "\"maintained\"", "\"unmaintained\"", "\"records_mib\"");
  }

  @Test
  void writeComparedWithTheBaselineGivesEachTargetsFiguresAndTheRatioPerPair(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("write.json");
    Path chart = dir.resolve("write.html");
    String out = run(0, "bench", "write", "--compare", "baseline", "--jit-warmup", "0", "--warmup", "0", "--seconds", "1", "--runs", "2",
        "--inflight", "1,3", "--keys", "20", "--value-bytes", "10", "--json", json.toString(), "--chart", chart.toString())[0];
    assertThat(java.nio.file.Files.readString(chart)).startsWith("<!doctype html>").contains("sluice / baseline writes/s, 3 in flight",
        "sluice.3: p99 ms", "class=\"bar\" style=\"width:360px\"");
    assertThat(out).contains("sluice, 1 in flight: writes/s", "baseline, 3 in flight: writes/s", "sluice / baseline writes/s, 3 in flight",
        "sluice / baseline p50 latency, 1 in flight").containsPattern("(?m)^what\\s+median\\s+run 1\\s+run 2$");
    com.fasterxml.jackson.databind.JsonNode figures = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.toFile()).get("figures");
    for (String key : new String[] {"sluice.1.rate", "sluice.3.rate", "baseline.1.rate", "baseline.3.rate"}) {
      assertThat(figures.get(key).get("runs")).as(key).hasSize(2).allSatisfy(v -> assertThat(v.asDouble()).isPositive());
    }
    double ratio = figures.get("ratio.3.rate").get("runs").get(0).asDouble();
    double sluice = figures.get("sluice.3.rate").get("runs").get(0).asDouble();
    double baseline = figures.get("baseline.3.rate").get("runs").get(0).asDouble();
    assertThat(ratio).as("the ratio is of the same run's pair").isCloseTo(sluice / baseline, org.assertj.core.data.Percentage.withPercentage(0.1));
    assertThat(figures.get("sluice.3.failed").get("median").asDouble()).isZero();
  }

  @Test
  void readMeasuresLinearizableAndFollowerReads(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("read.json");
    String out = run(0, "bench", "read", "--jit-warmup", "0", "--warmup", "0", "--seconds", "1", "--runs", "1", "--inflight", "2",
        "--keys", "20", "--json", json.toString())[0];
    assertThat(out).contains("linearizable, 2 in flight: reads/s", "follower, 2 in flight: reads/s");
    com.fasterxml.jackson.databind.JsonNode figures = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.toFile()).get("figures");
    for (String target : new String[] {"linearizable", "follower"}) {
      assertThat(figures.get(target + ".2.rate").get("median").asDouble()).as(target).isPositive();
      assertThat(figures.get(target + ".2.failed").get("median").asDouble()).as(target).isZero();
    }
  }

  @Test
  void failoverKillsTheLeaderAndFindsEveryAcknowledgedWriteInTheFollowerStreamOnce(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("failover.json");
    String out = run(0, "bench", "failover", "--writers", "2", "--warmup", "2", "--seconds", "3", "--runs", "1", "--json", json.toString())[0];
    assertThat(out).contains("(the leader)", "the stream is on node", "write unavailability, ms");
    com.fasterxml.jackson.databind.JsonNode figures = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.toFile()).get("figures");
    assertThat(figures.get("acknowledged").get("median").asDouble()).isPositive();
    assertThat(figures.get("unavailable_ms").get("median").asDouble()).as("writes went on after the kill; the bench printed:%n%s", out).isPositive();
    for (String none : new String[] {"lost", "duplicated", "phantom"}) {
      assertThat(figures.get(none).get("median").asDouble()).as("%s; the bench printed:%n%s", none, out).isZero();
    }
  }

  @Test
  void badThroughputOptionsAreExitCode2() {
    assertThat(run(2, "bench", "write", "--inflight", "0")[1]).contains("each --inflight must be positive");
    assertThat(run(2, "bench", "write", "--compare", "baseline,zookeeper")[1]).contains("--compare takes 'baseline', 'etcd' or both, got 'zookeeper'");
    assertThat(run(2, "bench", "read", "--compare", "baseline")[1]).contains("--compare goes with write", "got --compare baseline with read");
    assertThat(run(2, "bench", "stream", "--connect", "sluice://127.0.0.1:1", "--compare", "baseline")[1])
        .contains("--compare goes with write, or with stream as 'etcd'", "got --compare baseline with stream");
    assertThat(run(2, "bench", "fanout", "--connect", "sluice://127.0.0.1:1", "--compare", "etcd")[1]).contains("got --compare etcd with fanout");
    assertThat(run(2, "bench", "write", "--compare", "baseline", "--connect", "sluice://127.0.0.1:1")[1]).contains("leave out --connect");
    assertThat(run(2, "bench", "baseline", "--connect", "sluice://127.0.0.1:1")[1]).contains("the baseline runs in this JVM");
    assertThat(run(2, "bench", "write", "--value-bytes", "20000000")[1]).contains("--value-bytes must leave room");
    assertThat(run(2, "bench", "failover", "--writers", "0")[1]).contains("--writers, --warmup, --seconds and --runs must be positive");
    assertThat(run(2, "bench", "pins", "--pin-streams", "0")[1]).contains("--pin-streams, --pin-writes and --runs must be positive");
    assertThat(run(2, "bench", "fanout", "--connect", "sluice://127.0.0.1:1", "--fanout-await", "20000")[1]).contains("--fanout-await 2 to 10000");
    assertThat(run(2, "bench", "stream", "--connect", "sluice://127.0.0.1:1", "--jit-warmup", "-1")[1]).contains("--jit-warmup 0 or more");
    assertThat(run(2, "bench", "fanout", "--connect", "sluice://127.0.0.1:1", "--fanout-filter", "some")[1]).contains("some");
    assertThat(run(2, "bench", "resume-depth", "--chart", "x.html")[1]).contains("--chart goes with write, read, baseline, failover and durability");
  }

  @Test
  void anUnknownScenarioOrAMissingConnectionIsExitCode2() {
    assertThat(run(2, "bench", "everything")[1]).contains("unknown scenario 'everything'");
    assertThat(run(2, "bench", "streams")[1]).contains("bench streams needs --connect");
    assertThat(run(2, "bench", "fanout")[1]).contains("bench fanout needs --connect");
    assertThat(run(2, "bench", "resume-depth", "--entries", "1")[1]).contains("--entries must be at least 2");
    assertThat(run(2, "bench", "durability", "--data-mb", "0")[1]).contains("--data-mb, --runs, --writers and --gap-seconds must be positive");
    assertThat(run(2, "bench", "durability", "--jit-warmup", "-1")[1]).contains("--warmup, --jit-warmup, --behind");
    assertThat(run(2, "bench", "durability", "--data-mb", "100000000")[1]).contains("needs about", "pass --dir");
    assertThat(run(2, "bench", "engine", "--runs", "0")[1]).contains("--runs must be at least 1");
  }
}
