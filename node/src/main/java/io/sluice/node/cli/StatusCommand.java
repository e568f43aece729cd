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
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show every node's role, term and applied index.")
final class StatusCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(names = "--admin", split = ",", required = true, description = "admin host:port of each node, comma-separated")
  List<String> adminAddresses;

  @Option(names = "--numbers", split = ",", description = "the number to show for each node (default: 1, 2, ...)")
  List<Integer> numbers;

  @Option(names = "--wait-for-leader", description = "wait up to this many seconds until one node is leader (0: don't wait)")
  int waitSeconds;

  @Override
  public Integer call() throws InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    long deadline = System.nanoTime() + Duration.ofSeconds(waitSeconds).toNanos();
    List<JsonNode> statuses = fetchAll(http);
    while (waitSeconds > 0 && !hasLeader(statuses) && System.nanoTime() < deadline) {
      Thread.sleep(200);
      statuses = fetchAll(http);
    }
    String format = "%-4s %-16s %-22s %-10s %6s %10s %10s  %s%n";
    System.out.printf(format, "NODE", "ID", "ADDRESS", "ROLE", "TERM", "COMMIT", "APPLIED", "DIGEST");
    if (numbers != null && numbers.size() != adminAddresses.size()) {
      throw new IllegalArgumentException("--numbers has " + numbers.size() + " entries for " + adminAddresses.size() + " --admin addresses");
    }
    for (int i = 0; i < adminAddresses.size(); i++) {
      JsonNode s = statuses.get(i);
      int number = numbers == null ? i + 1 : numbers.get(i);
      if (s == null) {
        System.out.printf(format, number, "-", "-", "DOWN", "-", "-", "-", "admin " + adminAddresses.get(i) + " does not answer");
      } else {
        System.out.printf(format, number, s.path("id").asText(), s.path("address").asText(), s.path("role").asText(),
            s.path("term").asLong(), s.path("commitIndex").asLong(), s.path("appliedIndex").asLong(), s.path("digest").asText().substring(0, 12));
      }
    }
    return waitSeconds > 0 && !hasLeader(statuses) ? 1 : 0;
  }

  private List<JsonNode> fetchAll(HttpClient http) {
    List<JsonNode> result = new ArrayList<>();
    for (String admin : adminAddresses) {
      try {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://" + admin + "/status"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
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

  private static boolean hasLeader(List<JsonNode> statuses) {
    return statuses.stream().anyMatch(s -> s != null && "LEADER".equals(s.path("role").asText()));
  }
}
