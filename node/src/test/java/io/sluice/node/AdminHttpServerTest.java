package io.sluice.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.client.ChangeStreamCursor;
import io.sluice.client.ChangeStreamDocument;
import io.sluice.client.ReadPreference;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceCollection;
import io.sluice.client.WriteResult;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin endpoint of every node: liveness, readiness, status and Prometheus metrics. */
class AdminHttpServerTest {
  @TempDir
  static Path dir;
  static LocalCluster cluster;
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void startCluster() {
    cluster = LocalCluster.start(dir, 3);
  }

  @AfterAll
  static void stopCluster() {
    cluster.close();
  }

  @Test
  void everyNodeIsLiveAndReadyAndReportsItsStatus() throws Exception {
    for (int i = 0; i < cluster.size(); i++) {
      assertThat(get(i, "/livez").statusCode()).isEqualTo(200);
      HttpResponse<String> ready = get(i, "/readyz");
      assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
      assertThat(ready.body()).contains("[+]storage ok", "[+]group ok", "[+]caught-up ok", "readyz check passed");
      HttpResponse<String> status = get(i, "/status");
      assertThat(status.headers().firstValue("Content-Type")).contains("application/json");
      assertThat(status.body()).contains("\"address\":\"" + cluster.address(i) + "\"", "\"store\":{\"fileBytes\":");
    }
  }

  @Test
  void theLeaderReportsRaftProgressWriteLatencyFollowerLagAndLogSyncs() throws Exception {
    SluiceCollection c = cluster.client().getDatabase("metrics").getCollection("writes");
    WriteResult last = null;
    for (int i = 0; i < 20; i++) {
      last = c.insertOne(new Document("_id", i));
    }
    long lastIndex = last.position().index();
    int leader = cluster.leaderIndex();
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(metrics(leader).get("sluice_raft_apply_lag_entries")).as("Raft's own entries count as applied").isZero());
    Map<String, Double> m = metrics(leader);
    assertThat(m.get("sluice_raft_leader")).isEqualTo(1.0);
    assertThat(m.get("sluice_raft_term")).isEqualTo((double) last.position().term());
    assertThat(m.get("sluice_raft_applied_index")).isGreaterThanOrEqualTo(lastIndex);
    assertThat(m.get("sluice_raft_commit_index")).isEqualTo(m.get("sluice_raft_applied_index"));
    assertThat(m.get("sluice_raft_leader_changes_total")).isGreaterThanOrEqualTo(1.0);
    assertThat(m.get("sluice_write_latency_seconds_count")).as("every write this test made went through this leader").isGreaterThanOrEqualTo(20.0);
    assertThat(m.keySet().stream().filter(k -> k.startsWith("sluice_write_latency_seconds_bucket{"))).as("a histogram").isNotEmpty();
    assertThat(m.get("sluice_raft_log_syncs_total")).isPositive();
    assertThat(m).containsKey("sluice_raft_log_sync_seconds{quantile=\"0.99\"}");
    assertThat(m.get("sluice_history_last_index")).isGreaterThanOrEqualTo(lastIndex);
    assertThat(m.get("sluice_store_file_bytes")).isPositive();
    assertThat(m.get("sluice_store_free_bytes")).isGreaterThanOrEqualTo(0.0).isLessThan(m.get("sluice_store_file_bytes"));
    assertThat(m).containsKeys("sluice_store_compactions_total", "sluice_store_renewals_total");
    for (int i = 0; i < cluster.size(); i++) {
      if (i != leader) {
        String follower = cluster.node(i).id();
        assertThat(m).as("a lag row for follower %s", follower).containsKey("sluice_raft_follower_match_lag_entries{follower=\"" + follower + "\"}");
      }
    }
  }

  @Test
  void aFollowerReportsReadLatencyAndItsStreamsWithTheirLag() throws Exception {
    SluiceCollection c = cluster.client().getDatabase("metrics").getCollection("streams");
    int follower = cluster.aFollower();
    Map<String, Double> before = metrics(follower);
    assertThat(before.get("sluice_raft_leader")).isEqualTo(0.0);
    double readsBefore = before.getOrDefault("sluice_read_latency_seconds_count", 0.0);
    double deliveredBefore = before.getOrDefault("sluice_stream_events_delivered_total", 0.0);

    try (ChangeStreamCursor<ChangeStreamDocument> stream = c.watch().onNode(cluster.address(follower)).cursor()) {
      WriteResult last = null;
      for (int i = 0; i < 5; i++) {
        last = c.insertOne(new Document("_id", i));
      }
      try (SluiceClient onlyFollower = SluiceClient.connect("sluice://" + cluster.address(follower))) {
        onlyFollower.getDatabase("metrics").getCollection("streams").withReadPreference(ReadPreference.follower())
            .find().afterPosition(last.position()).first();
      }
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(metrics(follower).get("sluice_stream_lag_entries")).as("five writes the stream has not read").isGreaterThanOrEqualTo(5.0));
      Map<String, Double> behind = metrics(follower);
      assertThat(behind.get("sluice_streams_open")).isGreaterThanOrEqualTo(1.0);
      assertThat(behind.get("sluice_stream_lag_seconds")).isPositive();

      for (int i = 0; i < 5; i++) {
        assertThat(stream.next().getDocumentKey().getInt32("_id").getValue()).isEqualTo(i);
      }
      stream.tryNext();
      Map<String, Double> after = metrics(follower);
      assertThat(after.get("sluice_stream_events_delivered_total") - deliveredBefore).isGreaterThanOrEqualTo(5.0);
      assertThat(after.get("sluice_read_latency_seconds_count")).isGreaterThan(readsBefore);
    }
  }

  @Test
  void aNodeLeftWithoutAMajorityIsLiveButNotReadyAndSaysWhy() throws Exception {
    try (LocalCluster alone = LocalCluster.start(dir.resolve("alone"), 3)) {
      int survivor = alone.aFollower();
      for (int i = 0; i < 3; i++) {
        if (i != survivor) {
          alone.stop(i);
        }
      }
      String admin = alone.node(survivor).config().adminAddress();
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        HttpResponse<String> ready = get(admin, "/readyz");
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.body()).contains("[+]storage ok", "[-]group failed: ", "readyz check failed");
      });
      assertThat(get(admin, "/livez").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void whileOneStatusComputesTheDigestAnotherIsRefusedAndLivenessStillAnswers() throws Exception {
    String address = "127.0.0.1:" + LocalCluster.freePort();
    AdminHttpServer second = new AdminHttpServer(address, cluster.node(0));
    second.start();
    try {
      second.digestPermit().acquire();
      try {
        HttpResponse<String> refused = get(address, "/status?digest=true");
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.body()).contains("another /status is computing this node's digest", "without digest=true");
        HttpResponse<String> plain = get(address, "/status");
        assertThat(plain.statusCode()).isEqualTo(200);
        assertThat(plain.body()).contains("\"digest\":null");
        assertThat(get(address, "/livez").statusCode()).isEqualTo(200);
      } finally {
        second.digestPermit().release();
      }
      HttpResponse<String> answered = get(address, "/status?digest=true");
      assertThat(answered.statusCode()).isEqualTo(200);
      assertThat(answered.body()).contains("\"digest\":\"");
    } finally {
      second.stop();
    }
  }

  private static HttpResponse<String> get(int node, String path) throws IOException, InterruptedException {
    return get(cluster.node(node).config().adminAddress(), path);
  }

  private static HttpResponse<String> get(String admin, String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create("http://" + admin + path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The samples of a node's {@code /metrics}, keyed by name with labels as printed ({@code name{label="v"}}). */
  private static Map<String, Double> metrics(int node) throws IOException, InterruptedException {
    HttpResponse<String> response = get(node, "/metrics");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
    Map<String, Double> samples = new TreeMap<>();
    for (String line : response.body().split("\n")) {
      if (!line.isBlank() && !line.startsWith("#")) {
        int space = line.lastIndexOf(' ');
        samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
      }
    }
    return samples;
  }
}
