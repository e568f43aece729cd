package io.sluice.chaos.history;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.chaos.checker.CheckResult;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Writes a run's history where a human (or a re-check) can find it: {@code <dir>/<name>-seed<seed>/}
 * holds {@code history.jsonl}, one JSON object a line in time order, each with a {@code kind} of
 * {@code op}, {@code stream} or {@code fault}; and {@code summary.txt}, the counts, the checkers'
 * verdicts and a timeline of faults and anomalies.
 *
 * <p>Line fields: an op has {@code index nanos process type f key value node logIndex error}; a
 * stream record {@code nanos consumer type node token value error}, its {@code type} being the
 * record's kind (OPEN, EVENT, ...); a fault {@code nanos description}. Null fields are left out.
 * I/O failures are thrown as {@link UncheckedIOException}.
 */
public final class HistoryFiles {
  public static final String HISTORY = "history.jsonl";
  public static final String SUMMARY = "summary.txt";
  /** Findings of one checker shown in the timeline: the first ones tell the story, the rest is noise. */
  private static final int TIMELINE_FINDINGS = 50;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A history as read back from a file. */
  public record Recorded(List<Op> ops, List<StreamRecord> streams, List<History.Fault> faults) {
    public static Recorded of(History history) {
      return new Recorded(history.ops(), history.streams(), history.faults());
    }
  }

  private HistoryFiles() {}

  /**
   * Writes {@code history} and a summary with {@code results} (by checker name) under
   * {@code dir/<name>-seed<seed>/}, and returns that directory.
   */
  public static Path write(Path dir, String name, long seed, History history, Map<String, CheckResult> results) {
    return write(dir, name, seed, Recorded.of(history), results);
  }

  public static Path write(Path dir, String name, long seed, Recorded history, Map<String, CheckResult> results) {
    Path run = dir.resolve(name.replaceAll("[^A-Za-z0-9._-]", "_") + "-seed" + seed);
    try {
      Files.createDirectories(run);
      writeLines(run.resolve(HISTORY), history);
      Files.writeString(run.resolve(SUMMARY), HistorySummary.of(name, seed, history, results == null ? Map.of() : results, TIMELINE_FINDINGS));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the history of " + name + " to " + run, e);
    }
    return run;
  }

  /** Reads a {@code history.jsonl} back. */
  public static Recorded read(Path file) {
    List<Op> ops = new ArrayList<>();
    List<StreamRecord> streams = new ArrayList<>();
    List<History.Fault> faults = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode node = JSON.readTree(line);
        switch (node.path("kind").asText()) {
          case "op" -> ops.add(op(node));
          case "stream" -> streams.add(stream(node));
          case "fault" -> faults.add(new History.Fault(node.path("nanos").asLong(), text(node, "description")));
          default -> throw new IOException("unknown kind of line in " + file + ": " + line);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the history " + file, e);
    }
    return new Recorded(ops, streams, faults);
  }

  private record Line(long nanos, ObjectNode json) {}

  private static void writeLines(Path file, Recorded history) throws IOException {
    List<Line> lines = new ArrayList<>();
    history.ops().forEach(op -> lines.add(new Line(op.nanos(), json(op))));
    history.streams().forEach(record -> lines.add(new Line(record.nanos(), json(record))));
    history.faults().forEach(fault -> lines.add(new Line(fault.nanos(), json(fault))));
    lines.sort(Comparator.comparingLong(Line::nanos)); // stable: each kind keeps its own order
    try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      for (Line line : lines) {
        out.write(JSON.writeValueAsString(line.json()));
        out.newLine();
      }
    }
  }

  private static ObjectNode json(Op op) {
    ObjectNode json = JSON.createObjectNode().put("kind", "op").put("index", op.index()).put("nanos", op.nanos())
        .put("process", op.process()).put("type", op.type().name());
    putIfPresent(json, "f", op.f());
    putIfPresent(json, "key", op.key());
    ArrayNode value = json.putArray("value");
    op.value().forEach(value::add);
    putIfPresent(json, "node", op.node());
    if (op.logIndex() != null) {
      json.put("logIndex", op.logIndex());
    }
    putIfPresent(json, "error", op.error());
    return json;
  }

  private static ObjectNode json(StreamRecord record) {
    ObjectNode json = JSON.createObjectNode().put("kind", "stream").put("nanos", record.nanos())
        .put("consumer", record.consumer()).put("type", record.kind().name());
    putIfPresent(json, "node", record.node());
    putIfPresent(json, "token", record.token());
    if (record.value() != null) {
      json.put("value", record.value());
    }
    putIfPresent(json, "error", record.error());
    return json;
  }

  private static ObjectNode json(History.Fault fault) {
    return JSON.createObjectNode().put("kind", "fault").put("nanos", fault.nanos()).put("description", fault.description());
  }

  private static void putIfPresent(ObjectNode json, String field, String value) {
    if (value != null) {
      json.put(field, value);
    }
  }

  private static Op op(JsonNode node) {
    List<Long> value = new ArrayList<>();
    node.path("value").forEach(v -> value.add(v.asLong()));
    return new Op(node.path("index").asLong(), node.path("nanos").asLong(), node.path("process").asInt(),
        OpType.valueOf(node.path("type").asText()), text(node, "f"), text(node, "key"), value, text(node, "node"),
        node.hasNonNull("logIndex") ? node.get("logIndex").asLong() : null, text(node, "error"));
  }

  private static StreamRecord stream(JsonNode node) {
    return new StreamRecord(node.path("nanos").asLong(), node.path("consumer").asInt(),
        StreamRecord.Kind.valueOf(node.path("type").asText()), text(node, "node"), text(node, "token"),
        node.hasNonNull("value") ? node.get("value").asLong() : null, text(node, "error"));
  }

  private static String text(JsonNode node, String field) {
    return node.hasNonNull(field) ? node.get(field).asText() : null;
  }
}
