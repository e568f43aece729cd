package io.sluice.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sluice status --admin host:port,...}: one line per node, read from each node's admin endpoint. */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Show every node: id, address, role, term, commit and applied index, history window, open streams, and with --digest the state digest.")
final class StatusCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(names = "--admin", split = ",", required = true, description = "admin host:port of each node, comma-separated")
  List<String> adminAddresses;

  @Option(names = "--numbers", split = ",", description = "the number to show for each node (default: 1, 2, ...)")
  List<Integer> numbers;

  @Option(names = "--wait", paramLabel = "SECONDS",
      description = "wait up to this many seconds until every node answers and one of them leads; exit 1 if not (0: don't wait)")
  int waitSeconds;

  @Option(names = "--digest", description = "also each node's state digest (equal on nodes at the same applied index): it reads the"
      + " node's whole store, and the node applies nothing meanwhile; waits up to 10 minutes for it")
  boolean digest;

  /** The output format, as etcdctl's {@code -w}. */
  enum Format { table, json }

  @Option(names = {"-w", "--write-out"}, defaultValue = "table", description = "table or json (default: ${DEFAULT-VALUE})")
  Format format;

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    if (numbers != null && numbers.size() != adminAddresses.size()) {
      throw new IllegalArgumentException("--numbers has " + numbers.size() + " entries for " + adminAddresses.size() + " --admin addresses");
    }
    if (waitSeconds < 0) {
      throw new IllegalArgumentException("--wait takes 0 or more seconds, got " + waitSeconds);
    }
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    long deadline = System.nanoTime() + Duration.ofSeconds(waitSeconds).toNanos();
    // Waiting polls without the digest, which holds up each node's applying; the last look takes it if asked.
    List<JsonNode> statuses = fetchAll(http, digest && waitSeconds == 0);
    while (waitSeconds > 0 && !upWithLeader(statuses) && System.nanoTime() < deadline) {
      Thread.sleep(200);
      statuses = fetchAll(http, false);
    }
    if (digest && waitSeconds > 0) {
      statuses = fetchAll(http, true);
    }
    if (format == Format.json) {
      printJson(statuses);
    } else {
      printTable(statuses);
    }
    return waitSeconds > 0 && !upWithLeader(statuses) ? 1 : 0;
  }

  private int number(int i) {
    return numbers == null ? i + 1 : numbers.get(i);
  }

  private void printTable(List<JsonNode> statuses) {
    java.io.PrintWriter out = spec.commandLine().getOut();
    String row = "%-4s %-16s %-22s %-10s %6s %10s %10s %-23s %7s  %s%n";
    out.printf(row, "NODE", "ID", "ADDRESS", "ROLE", "TERM", "COMMIT", "APPLIED", "HISTORY", "STREAMS", "DIGEST");
    for (int i = 0; i < adminAddresses.size(); i++) {
      JsonNode s = statuses.get(i);
      if (s == null) {
        out.printf(row, number(i), "-", "-", "DOWN", "-", "-", "-", "-", "-", "admin " + adminAddresses.get(i) + " does not answer");
      } else {
        out.printf(row, number(i), s.path("id").asText(), s.path("address").asText(), s.path("role").asText(), s.path("term").asLong(),
            s.path("commitIndex").asLong(), s.path("appliedIndex").asLong(),
            s.path("historyFirstIndex").asLong() + "-" + s.path("historyLastIndex").asLong(), s.path("openStreams").asInt(),
            abbreviated(s.path("digest").asText("-")));
      }
    }
    out.flush();
  }

  private static String abbreviated(String digest) {
    return digest.length() > 12 ? digest.substring(0, 12) : digest;
  }

  /** One JSON array: each node's {@code /status} with its number, or its admin address and why it is missing. */
  private void printJson(List<JsonNode> statuses) {
    com.fasterxml.jackson.databind.node.ArrayNode all = JSON.createArrayNode();
    for (int i = 0; i < adminAddresses.size(); i++) {
      com.fasterxml.jackson.databind.node.ObjectNode node = all.addObject().put("node", number(i)).put("admin", adminAddresses.get(i));
      if (statuses.get(i) == null) {
        node.put("role", "DOWN").put("error", "admin " + adminAddresses.get(i) + " does not answer within " + answerTimeout(digest).toSeconds() + " s");
      } else {
        node.setAll((com.fasterxml.jackson.databind.node.ObjectNode) statuses.get(i));
      }
    }
    spec.commandLine().getOut().println(all.toString());
    spec.commandLine().getOut().flush();
  }

  private List<JsonNode> fetchAll(HttpClient http, boolean withDigest) {
    List<JsonNode> result = new ArrayList<>();
    for (String admin : adminAddresses) {
      try {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://" + admin + "/status" + (withDigest ? "?digest=true" : "")))
            .timeout(answerTimeout(withDigest)).build(), HttpResponse.BodyHandlers.ofString());
        result.add(response.statusCode() == 200 ? JSON.readTree(response.body()) : null);
      } catch (java.io.IOException e) {
        result.add(null);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        result.add(null);
      }
    }
    return result;
  }

  /** A status answers at once; one with the digest reads the node's whole store. */
  private static Duration answerTimeout(boolean withDigest) {
    return withDigest ? Duration.ofMinutes(10) : Duration.ofSeconds(2);
  }

  private static boolean upWithLeader(List<JsonNode> statuses) {
    return statuses.stream().allMatch(java.util.Objects::nonNull) && statuses.stream().anyMatch(s -> "LEADER".equals(s.path("role").asText()));
  }
}
