package io.sluice.chaos.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import io.sluice.client.ChangeStreamCursor;
import io.sluice.client.ChangeStreamDocument;
import io.sluice.client.NodeDescription;
import io.sluice.client.ReadPreference;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceCollection;
import io.sluice.client.WriteResult;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code deploy/docker-compose.yml}: it validates, and the 3-node cluster it starts takes writes and serves a stream. */
@ExtendWith(ChaosEnvironment.class)
class ComposeClusterIT {
  /** A prefix of its own, apart from the chaos nodes (127.0.10.N) and the file's default (127.0.20.N). */
  private static final String NET = "127.0.21";
  private static final String PROJECT = "sluice-compose-it";

  @Test
  void theComposeClusterTakesWritesAndServesAStreamOnAFollower() {
    // Only this test needs docker-compose: without it, skip unless the chaos profile requires everything.
    if (!Boolean.getBoolean("chaos.required")) {
      assumeThat(compose("-", "version").exitCode()).as("docker-compose is installed (deploy/ci/docker-up.sh installs Debian's)").isZero();
    }
    String image = NodeImage.name();
    assertThat(compose(image, "config", "--quiet").exitCode()).as("docker-compose config").isZero();
    compose(image, "down", "--volumes");
    try {
      Result up = compose(image, "up", "--detach");
      assertThat(up.exitCode()).as(up.output()).isZero();
      // Ready on every node first (a leader known, caught up); the client connects once they are up.
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
      for (int n = 1; n <= 3; n++) {
        URI readyz = URI.create("http://" + NET + "." + n + ":7001/readyz");
        await().atMost(Duration.ofSeconds(120)).ignoreExceptions().until(() ->
            http.send(HttpRequest.newBuilder(readyz).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode() == 200);
      }
      String connect = "sluice://" + NET + ".1:7000," + NET + ".2:7000," + NET + ".3:7000/?timeoutMS=30000";
      try (SluiceClient client = SluiceClient.connect(connect)) {
        assertThat(client.describeNodes()).filteredOn(NodeDescription::reachable).hasSize(3);
        SluiceCollection orders = client.getDatabase("shop").getCollection("orders");
        String follower = client.describeNodes().stream().filter(n -> n.reachable() && !n.leader()).findFirst().orElseThrow().address();
        try (ChangeStreamCursor<ChangeStreamDocument> stream = orders.watch().onNode(follower).cursor()) {
          WriteResult w = orders.insertOne(new Document("_id", 1).append("total", 10));
          ChangeStreamDocument event = stream.next();
          assertThat(event.getOperationType().getValue()).isEqualTo("insert");
          assertThat(event.getFullDocument()).isEqualTo(new Document("_id", 1).append("total", 10));
          assertThat(orders.withReadPreference(ReadPreference.follower()).find().afterPosition(w.position()).first())
              .isEqualTo(new Document("_id", 1).append("total", 10));
        }
      }
    } finally {
      compose(image, "down", "--volumes");
    }
  }

  private record Result(int exitCode, String output) {}

  private static Result compose(String image, String... args) {
    List<String> command = new ArrayList<>(List.of("docker-compose", "-p", PROJECT, "-f",
        NodeImage.root().resolve("deploy/docker-compose.yml").toString()));
    command.addAll(List.of(args));
    try {
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
      builder.environment().put("SLUICE_IMAGE", image);
      builder.environment().put("SLUICE_NET", NET);
      Process process = builder.start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(180, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return new Result(-1, String.join(" ", command) + " did not finish: " + output);
      }
      return new Result(process.exitValue(), output);
    } catch (IOException e) {
      return new Result(-1, "cannot run " + command + ": " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, "interrupted: " + command);
    }
  }
}
