package io.sluice.chaos.history;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.chaos.checker.CheckResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryFilesTest {
  @TempDir
  Path dir;

  private static History history() {
    History history = new History();
    Op write = history.invoke(0, Op.WRITE, "x", List.of(1L), "n1");
    history.stream(0, StreamRecord.Kind.OPEN, "n2", null, null, null);
    history.fault("partition n1 | n2 n3");
    history.complete(write, OpType.INFO, List.of(1L), "n1", null, "timeout");
    Op add = history.invoke(1, Op.ADD, "s", List.of(7L), "n2");
    history.complete(add, OpType.OK, List.of(7L), "n2", 42L, null);
    history.stream(0, StreamRecord.Kind.EVENT, "n2", "01ABCD", 7L, null);
    history.fault("heal");
    return history;
  }

  private static Map<String, CheckResult> results() {
    Map<String, CheckResult> results = new LinkedHashMap<>();
    results.put("linearizability", new CheckResult.Builder().increment("ok").build());
    results.put("set", new CheckResult.Builder().anomaly(Long.MAX_VALUE - 1, "set s: lost value 7").build());
    results.put("stream", new CheckResult.Builder().undecided(-1, "consumer 3 never opened").build());
    return results;
  }

  @Test
  void writesOneJsonObjectPerLineInTimeOrder() throws Exception {
    History history = history();
    Path run = HistoryFiles.write(dir, "register test", 42, history, results());

    assertThat(run).isEqualTo(dir.resolve("register_test-seed42"));
    List<String> lines = Files.readAllLines(run.resolve(HistoryFiles.HISTORY));
    assertThat(lines).hasSize(8);
    ObjectMapper json = new ObjectMapper();
    List<String> kinds = new ArrayList<>();
    long previous = -1;
    for (String line : lines) {
      JsonNode node = json.readTree(line);
      kinds.add(node.get("kind").asText());
      assertThat(node.get("nanos").asLong()).isGreaterThanOrEqualTo(previous);
      previous = node.get("nanos").asLong();
    }
    assertThat(kinds).containsExactly("op", "stream", "fault", "op", "op", "op", "stream", "fault");

    JsonNode ack = json.readTree(lines.get(5));
    assertThat(ack.get("type").asText()).isEqualTo("OK");
    assertThat(ack.get("f").asText()).isEqualTo("add");
    assertThat(ack.get("logIndex").asLong()).isEqualTo(42);
    assertThat(ack.get("value").get(0).asLong()).isEqualTo(7);
    assertThat(ack.has("error")).isFalse();
    JsonNode event = json.readTree(lines.get(6));
    assertThat(event.get("type").asText()).isEqualTo("EVENT");
    assertThat(event.get("token").asText()).isEqualTo("01ABCD");
  }

  @Test
  void readsBackWhatItWrote() {
    History history = history();
    Path run = HistoryFiles.write(dir, "roundtrip", 7, history, Map.of());

    HistoryFiles.Recorded read = HistoryFiles.read(run.resolve(HistoryFiles.HISTORY));
    assertThat(read.ops()).isEqualTo(history.ops());
    assertThat(read.streams()).isEqualTo(history.streams());
    assertThat(read.faults()).isEqualTo(history.faults());
  }

  @Test
  void summarizesCountsVerdictsAndATimeline() throws Exception {
    Path run = HistoryFiles.write(dir, "register", 42, history(), results());

    String summary = Files.readString(run.resolve(HistoryFiles.SUMMARY));
    assertThat(summary).contains("register, seed 42")
        .contains("2 invoked: 1 ok, 0 fail, 1 info")
        .contains("1 consumers: 1 open, 1 event, 0 progress, 0 resume")
        .contains("linearizability").contains("VALID")
        .contains("INVALID").contains("UNKNOWN");
    // faults and findings are merged by time; an untimed finding comes last
    assertThat(summary.indexOf("fault       partition")).isLessThan(summary.indexOf("fault       heal"));
    assertThat(summary.indexOf("fault       heal")).isLessThan(summary.indexOf("[set] set s: lost value 7"));
    assertThat(summary.indexOf("[set] set s: lost value 7"))
        .isLessThan(summary.indexOf("[stream] undecided: consumer 3 never opened"));
  }
}
