package io.sluice.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Where a node's keys come from: the environment overrides the file, --set the environment, named flags everything. */
class NodeCommandTest {

  @Test
  void flagsOverrideSetWhichOverridesTheEnvironment() {
    NodeCommand command = new NodeCommand();
    new CommandLine(command).parseArgs("--data-dir", "/from/flag", "--set", "staleReadWaitMs=900");
    Map<String, Object> overrides = command.overrides(Map.of("SLUICE_NODE_DATA_DIR", "/from/env", "SLUICE_NODE_STALE_READ_WAIT_MS", "700",
        "SLUICE_NODE_CLUSTER", "from-env"));
    assertThat(overrides).containsEntry("dataDir", "/from/flag").containsEntry("staleReadWaitMs", "900").containsEntry("cluster", "from-env");
  }
}
