package io.sluice.chaos.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Whether this machine can run the chaos suite: a Docker engine that answers, root (for the
 * firewall and the containers' own UIDs) and {@code nft}. Without them a plain {@code mvn verify}
 * skips the chaos tests, saying why once; with {@code -Pchaos} ({@code chaos.required=true}) every
 * chaos test fails instead.
 */
public final class ChaosEnvironment implements ExecutionCondition {
  private static final String HOW_TO = "start one with deploy/ci/docker-up.sh as root, then run mvn verify -Pchaos";
  private static volatile Optional<String> missing;
  private static volatile boolean explained;

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    Optional<String> why = whatIsMissing();
    if (why.isEmpty()) {
      return ConditionEvaluationResult.enabled("Docker, root and nft are available");
    }
    String message = "chaos tests cannot run: " + why.get() + "; " + HOW_TO;
    if (Boolean.getBoolean("chaos.required")) {
      throw new IllegalStateException(message);
    }
    if (!explained) {
      explained = true;
      // One line on the console: Surefire/Failsafe keep test output in files otherwise.
      System.err.println("[WARNING] " + message.replace("cannot run", "skipped"));
    }
    return ConditionEvaluationResult.disabled(message);
  }

  /** What this machine lacks for the chaos suite, if anything. */
  public static synchronized Optional<String> whatIsMissing() {
    if (missing == null) {
      missing = probe();
    }
    return missing;
  }

  private static Optional<String> probe() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return Optional.of("they need root (firewall rules and per-node UIDs), running as " + System.getProperty("user.name"));
    }
    if (!succeeds(List.of("nft", "--version"))) {
      return Optional.of("nft (nftables) is not installed");
    }
    if (!succeeds(List.of("docker", "version", "--format", "{{.Server.Version}}"))) {
      return Optional.of("no Docker engine answers");
    }
    return Optional.empty();
  }

  private static boolean succeeds(List<String> command) {
    try {
      Path out = Files.createTempFile("sluice-chaos-probe", ".txt");
      try {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        return process.waitFor(20, TimeUnit.SECONDS) && process.exitValue() == 0;
      } finally {
        Files.deleteIfExists(out);
      }
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
