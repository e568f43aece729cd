package io.sluice.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.sluice.client.ChangeStreamCursor;
import io.sluice.client.ChangeStreamDocument;
import io.sluice.client.SluiceCollection;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page at {@code /}, rendered by headless Chromium (Debian's {@code chromium}; CI installs
 * it, and there a missing browser fails the test): after its scripts ran, the page names every member
 * and role, this node's figures and its open stream, and its screenshot shows the roles and the chart.
 */
class StatusPageTest {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  /** The page's colours for the leader's role and the writes line (status.html). */
  private static final int LEADER_GREEN = 0x0a7a3d;
  private static final int WRITES_BLUE = 0x1f6feb;
  private static final int WRITERS = 4;

  @TempDir
  Path dir;

  @Test
  void thePageShowsTheMembersFiguresStreamsAndAChart() throws Exception {
    assumeThat(Files.isExecutable(CHROMIUM) || "true".equals(System.getenv("CI"))).as("chromium is installed").isTrue();
    try (LocalCluster cluster = LocalCluster.start(dir.resolve("cluster"), 3)) {
      int leader = cluster.leaderIndex();
      SluiceCollection c = cluster.client().getDatabase("shop").getCollection("orders");
      AtomicBoolean writing = new AtomicBoolean(true);
      // Writes go on while the browser polls, so that the chart has something to draw. The page's
      // timers run in virtual time, its polls a few real milliseconds apart: several writers keep
      // entries coming in between, even when one write waits for a slow fsync.
      List<Thread> writers = new ArrayList<>();
      for (int w = 0; w < WRITERS; w++) {
        int first = w;
        writers.add(new Thread(() -> {
          for (int i = first; writing.get(); i += WRITERS) {
            try {
              c.insertOne(new Document("_id", i));
            } catch (RuntimeException e) {
              // A write refused during an election: the next one goes on (the chart needs writes, not these).
            }
          }
        }, "status-page-writes-" + w));
      }
      try (ChangeStreamCursor<ChangeStreamDocument> stream = c.watch().onNode(cluster.address(leader)).cursor()) {
        writers.forEach(Thread::start);
        String url = "http://" + cluster.node(leader).config().adminAddress() + "/";

        String dom = chromium("--dump-dom", url);
        assertThat(dom).contains("data-polls=");
        for (int i = 0; i < 3; i++) {
          assertThat(dom).contains(cluster.address(i));
        }
        assertThat(dom).contains(">LEADER<", ">FOLLOWER<", "shop.orders");
        Matcher line = Pattern.compile("id=\"writesLine\"[^>]*points=\"([^\"]+)\"").matcher(dom);
        assertThat(line.find()).as("the chart has a line of entries applied").isTrue();
        assertThat(Arrays.stream(line.group(1).split(" ")).mapToDouble(p -> Double.parseDouble(p.split(",")[1])).min().orElseThrow())
            .as("the line rises above zero (y 155)").isLessThan(150);

        Path png = dir.resolve("status.png");
        chromium("--screenshot=" + png, "--window-size=900,1000", url);
        BufferedImage shot = ImageIO.read(png.toFile());
        assertThat(shot.getWidth()).isEqualTo(900);
        assertThat(shot.getHeight()).isEqualTo(1000);
        assertThat(count(shot, LEADER_GREEN)).as("pixels of the leader's role").isGreaterThan(20);
        assertThat(count(shot, WRITES_BLUE)).as("pixels of the line of entries applied and its legend").isGreaterThan(50);
      } finally {
        writing.set(false);
        for (Thread writer : writers) {
          writer.join(30_000);
        }
      }
    }
  }

  /** Runs headless Chromium on {@code url} with the page's timers run for 15 s of virtual time (15 polls); returns what it printed. */
  private String chromium(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--hide-scrollbars", "--user-data-dir=" + Files.createTempDirectory(dir, "chromium"), "--virtual-time-budget=15000"));
    command.addAll(List.of(args));
    Path out = Files.createTempFile(dir, "chromium", ".out");
    Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).redirectOutput(out.toFile()).start();
    try {
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("chromium finished").isTrue();
    } finally {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
    assertThat(process.exitValue()).as("chromium's exit code").isZero();
    return Files.readString(out, StandardCharsets.UTF_8);
  }

  /** Pixels within a small distance of {@code rgb} (anti-aliasing blends edges). */
  private static int count(BufferedImage image, int rgb) {
    int n = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        int p = image.getRGB(x, y);
        int d = Math.abs((p >> 16 & 0xff) - (rgb >> 16 & 0xff)) + Math.abs((p >> 8 & 0xff) - (rgb >> 8 & 0xff))
            + Math.abs((p & 0xff) - (rgb & 0xff));
        if (d < 24) {
          n++;
        }
      }
    }
    return n;
  }
}
