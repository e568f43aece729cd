package io.sluice.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.node.cli.CliRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class NodeConfigTest {
  @TempDir
  Path dir;

  private static NodeConfig.Builder valid() {
    return NodeConfig.builder().address("127.0.0.1:7101").adminAddress("127.0.0.1:7201").dataDir("/tmp/x")
        .peers(List.of("127.0.0.1:7101", "127.0.0.1:7102", "127.0.0.1:7103"));
  }

  @Test
  void aValidConfigDerivesTheNodeIdFromTheAddress() {
    NodeConfig config = valid().build();
    assertThat(config.nodeId()).isEqualTo("127.0.0.1_7101");
    assertThat(config.electionTimeoutMin()).isLessThan(config.electionTimeoutMax());
    assertThat(config.toBuilder().build()).isEqualTo(config);
  }

  static Stream<Arguments> badValues() {
    return Stream.of(
        Arguments.of(valid().address(null), "address is required"),
        Arguments.of(valid().address("127.0.0.1:-5"), "address must be host:port"),
        Arguments.of(valid().adminAddress("127.0.0.1:70000"), "adminAddress has port 70000"),
        Arguments.of(valid().peers(List.of("127.0.0.1:7102", "127.0.0.1:7103")), "peers does not contain this node's address"),
        Arguments.of(valid().peers(List.of()), "peers must list"),
        Arguments.of(valid().dataDir(""), "dataDir is required"),
        Arguments.of(valid().electionTimeoutMinMs(2000).electionTimeoutMaxMs(1000), "electionTimeoutMaxMs must be greater"),
        Arguments.of(valid().retryCacheExpirySeconds(5), "retryCacheExpirySeconds must be at least 30"),
        Arguments.of(valid().cluster(" "), "cluster must be a non-empty name"),
        Arguments.of(valid().sessionLifetimeSeconds(0), "sessionLifetimeSeconds must be at least 1"),
        Arguments.of(valid().snapshotEveryEntries(5), "snapshotEveryEntries must be at least 100"),
        Arguments.of(valid().snapshotsRetained(0), "snapshotsRetained must be at least 1"),
        Arguments.of(valid().logEntriesKeptAfterSnapshot(-1), "logEntriesKeptAfterSnapshot must be 0 or more"),
        Arguments.of(valid().raftSegmentSizeMb(0), "raftSegmentSizeMb must be 1 to 1024"),
        Arguments.of(valid().snapshotWriteMibPerSecond(-1), "snapshotWriteMibPerSecond must be 0 (no limit) or positive, got -1"),
        Arguments.of(valid().corruptLogPolicy("ignore"), "corruptLogPolicy must be 'fail' or 'rejoin', got 'ignore'"),
        Arguments.of(valid().join(true).peers(List.of()), "peers must list the host:port of at least one existing member"),
        Arguments.of(valid().join(true).peers(List.of("127.0.0.1:7101")), "peers must list at least one existing member other than this node"),
        Arguments.of(valid().join(true).peers(List.of("127.0.0.1:7102", "localhost")), "peers must be host:port, got 'localhost'"));
  }

  @ParameterizedTest
  @MethodSource("badValues")
  void aBadValueIsRejectedNamingTheKey(NodeConfig.Builder builder, String message) {
    assertThatThrownBy(builder::build).isInstanceOf(ConfigException.class).hasMessageContaining(message);
  }

  @Test
  void aJoiningNodeListsExistingMembersWithoutItself() {
    NodeConfig config = valid().join(true).peers(List.of("127.0.0.1:7102", "127.0.0.1:7103")).build();
    assertThat(config.join()).isTrue();
    assertThat(config.toBuilder().build()).isEqualTo(config);
    assertThat(valid().build().join()).as("default").isFalse();
  }

  @Test
  void joinIsAKeyOfTheFile() throws IOException {
    Path file = dir.resolve("node.yml");
    Files.writeString(file, "address: 127.0.0.1:7104\nadminAddress: 127.0.0.1:7204\ndataDir: /tmp/d\njoin: true\npeers: [127.0.0.1:7101]\n");
    assertThat(NodeConfigFile.load(file, Map.of()).join()).isTrue();
  }

  @Test
  void theYamlFileAndFlagsMapOntoTheSameKeys() throws IOException {
    Path file = dir.resolve("node.yml");
    Files.writeString(file, """
        address: 127.0.0.1:7101
        adminAddress: 127.0.0.1:7201
        dataDir: /tmp/data
        peers: [127.0.0.1:7101, 127.0.0.1:7102]
        electionTimeoutMinMs: 500
        electionTimeoutMaxMs: 900
        """);
    NodeConfig config = NodeConfigFile.load(file, Map.of("dataDir", "/tmp/other"));
    assertThat(config.dataDir()).isEqualTo(Path.of("/tmp/other"));
    assertThat(config.electionTimeoutMin().toMillis()).isEqualTo(500);
    assertThat(config.peers()).containsExactly("127.0.0.1:7101", "127.0.0.1:7102");
  }

  @Test
  void setFlagsOverrideAnyKeyAndAreValidatedLikeTheFile() {
    NodeConfig config = NodeConfigFile.load(null, Map.of("address", "127.0.0.1:7101", "adminAddress", "127.0.0.1:7201",
        "dataDir", "/tmp/x", "peers", List.of("127.0.0.1:7101"), "snapshotEveryEntries", "500", "corruptLogPolicy", "rejoin"));
    assertThat(config.durability().snapshotEveryEntries()).isEqualTo(500);
    assertThat(config.durability().corruptLogPolicy()).isEqualTo(Durability.CorruptLogPolicy.REJOIN);
    assertThatThrownBy(() -> NodeConfigFile.load(null, Map.of("address", "127.0.0.1:7101", "snapshotEveryEntries", "often")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("snapshotEveryEntries");
  }

  @Test
  void raftPropertiesTakeOnlyKeysRatisReadsAndAMisspeltOneIsRefusedWithTheNearestKey() throws IOException {
    Path file = dir.resolve("node.yml");
    String common = "address: 127.0.0.1:7101\nadminAddress: 127.0.0.1:7201\ndataDir: /tmp/d\npeers: [127.0.0.1:7101]\n";
    // The way back to Ratis' own commit notices (README): its transport and log metadata, over Sluice's settings.
    Files.writeString(file, common + "raftProperties: {raft.rpc.type: GRPC, raft.server.log.log-metadata.enabled: \"true\"}\n");
    NodeConfig config = NodeConfigFile.load(file, Map.of());
    assertThat(config.raftProperties()).containsExactly(Map.entry("raft.rpc.type", "GRPC"), Map.entry("raft.server.log.log-metadata.enabled", "true"));
    assertThat(RaftSettings.of(config).get("raft.rpc.type")).isEqualTo("GRPC");
    assertThat(RaftSettings.of(config).get("raft.server.log.log-metadata.enabled")).isEqualTo("true");
    assertThat(RaftSettings.of(valid().build()).get("raft.rpc.type")).isEqualTo(PromptCommitRpc.TYPE);

    // The key an earlier measurement here used: Ratis ignored it, and the measurement compared a setting with itself.
    Files.writeString(file, common + "raftProperties: {raft.server.log.metadata.enabled: \"false\"}\n");
    assertThatThrownBy(() -> NodeConfigFile.load(file, Map.of())).isInstanceOf(ConfigException.class)
        .hasMessageContaining("'raft.server.log.metadata.enabled', which Ratis does not read")
        .hasMessageContaining("did you mean 'raft.server.log.log-metadata.enabled'?");
    assertThatThrownBy(() -> valid().raftProperties(Map.of("raft.netty.dataStream.host.name", "x")).build())
        .isInstanceOf(ConfigException.class).hasMessageContaining("which Ratis does not read").hasMessageNotContaining("did you mean");
    assertThat(valid().raftProperties(Map.of("raft.otel.tracing.enabled", "false")).build().raftProperties()).hasSize(1);
    assertThatThrownBy(() -> valid().raftProperties(Map.of("sluice.snapshot.write.bytes-per-second", "1")).build())
        .isInstanceOf(ConfigException.class).hasMessageContaining("takes Ratis keys (raft.*)");
    assertThatThrownBy(() -> valid().raftProperties(Map.of("raft.server.log.corruption.policy", "WARN_AND_RETURN")).build())
        .isInstanceOf(ConfigException.class).hasMessageContaining("set corruptLogPolicy (fail or rejoin) instead");
    assertThatThrownBy(() -> valid().raftProperties(Map.of("raft.server.log.appender.buffer.byte-limit", "4MB")).build())
        .isInstanceOf(ConfigException.class).hasMessageContaining("the largest document fits in one entry");
  }

  @Test
  void anUnknownKeyInTheFileIsNamed() throws IOException {
    Path file = dir.resolve("node.yml");
    Files.writeString(file, "address: 127.0.0.1:7101\nelectionTimeout: 5\n");
    assertThatThrownBy(() -> NodeConfigFile.load(file, Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("unknown key 'electionTimeout'");
  }

  @Test
  void aWrongTypeInTheFileIsNamed() throws IOException {
    Path file = dir.resolve("node.yml");
    Files.writeString(file, "address: 127.0.0.1:7101\nelectionTimeoutMinMs: soon\n");
    assertThatThrownBy(() -> NodeConfigFile.load(file, Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("electionTimeoutMinMs");
  }

  @Test
  void aMissingFileIsNamed() {
    assertThatThrownBy(() -> NodeConfigFile.load(dir.resolve("nope.yml"), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("nope.yml does not exist");
  }

  @Test
  void environmentVariablesSetKeysInUpperSnakeCase() {
    Map<String, Object> keys = NodeConfigFile.fromEnvironment(Map.of("SLUICE_NODE_ADDRESS", "127.0.0.1:7101",
        "SLUICE_NODE_ADMIN_ADDRESS", "127.0.0.1:7201", "SLUICE_NODE_DATA_DIR", "/tmp/x",
        "SLUICE_NODE_PEERS", "127.0.0.1:7101,127.0.0.1:7102", "SLUICE_NODE_STALE_READ_WAIT_MS", "700", "PATH", "/bin",
        "SLUICE_DATA_DIR", "/launcher/only"));
    assertThat(keys).containsOnlyKeys("address", "adminAddress", "dataDir", "peers", "staleReadWaitMs");
    NodeConfig config = NodeConfigFile.load(null, keys);
    assertThat(config.peers()).containsExactly("127.0.0.1:7101", "127.0.0.1:7102");
    assertThat(config.staleReadWait()).hasMillis(700);
    assertThat(config.dataDir()).isEqualTo(Path.of("/tmp/x"));
  }

  @Test
  void anEmptyOrMisspeltEnvironmentVariableIsRefusedAndPeersAreTrimmed() {
    assertThatThrownBy(() -> NodeConfigFile.fromEnvironment(Map.of("SLUICE_NODE_JOIN", "")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("SLUICE_NODE_JOIN is empty");
    assertThatThrownBy(() -> NodeConfigFile.fromEnvironment(Map.of("SLUICE_NODE_DATA__DIR", "/x")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("SLUICE_NODE_DATA__DIR is not");
    assertThat(NodeConfigFile.fromEnvironment(Map.of("SLUICE_NODE_PEERS", "a:1, b:2")).get("peers")).isEqualTo(List.of("a:1", "b:2"));
    assertThat(NodeConfigFile.fromEnvironment(Map.of("SLUICE_NODE_ELECTION_TIMEOUT_MIN_MS", "300"))).containsEntry("electionTimeoutMinMs", "300");
  }

  @Test
  void aWrongValueFromTheEnvironmentIsNotBlamedOnTheFile() throws IOException {
    Path file = dir.resolve("node.yml");
    Files.writeString(file, "address: 127.0.0.1:7101\nadminAddress: 127.0.0.1:7201\ndataDir: /tmp/x\npeers: [127.0.0.1:7101]\n");
    assertThatThrownBy(() -> NodeConfigFile.load(file, NodeConfigFile.fromEnvironment(Map.of("SLUICE_NODE_ELECTION_TIMEOUT_MIN_MS", "abc"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("electionTimeoutMinMs = 'abc' (from a SLUICE_NODE_ variable or a flag): ")
        .hasMessageNotContaining("config file");
    assertThatThrownBy(() -> NodeConfigFile.load(file, NodeConfigFile.fromEnvironment(Map.of("SLUICE_NODE_ELECTION_TIMEOUT_MIN_MS", "0"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("from a SLUICE_NODE_ variable or a flag: electionTimeoutMinMs")
        .hasMessageNotContaining("config file");
  }

  @Test
  void anEnvironmentVariableThatNamesNoKeyIsNamed() {
    assertThatThrownBy(() -> NodeConfigFile.fromEnvironment(Map.of("SLUICE_NODE_DATADIR", "/x")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("environment variable SLUICE_NODE_DATADIR names no configuration key");
    assertThatThrownBy(() -> NodeConfigFile.load(null, NodeConfigFile.fromEnvironment(Map.of("SLUICE_NODE_ADDRESS", "127.0.0.1:7101",
        "SLUICE_NODE_ADMIN_ADDRESS", "127.0.0.1:7201", "SLUICE_NODE_DATA_DIR", "/tmp/x", "SLUICE_NODE_PEERS", "127.0.0.1:7101",
        "SLUICE_NODE_STALE_READ_WAIT_MS", "soon"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("staleReadWaitMs");
  }

  @Test
  void aDataDirectoryThatIsAFileOrCannotBeCreatedIsRefusedBeforeAnythingIsWritten() throws IOException {
    Path file = Files.writeString(dir.resolve("a-file"), "x");
    CliRunner.Result result = CliRunner.capture("node", "--address", "127.0.0.1:7101", "--admin-address", "127.0.0.1:7201",
        "--data-dir", file.toString(), "--peers", "127.0.0.1:7101,127.0.0.1:7102,127.0.0.1:7103");
    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err().lines()).singleElement().asString().contains("dataDir " + file + " is a file, not a directory");
    assertThat(Files.readString(file)).isEqualTo("x");

    assertThatThrownBy(() -> NodeConfigFile.checkDataDir(file.resolve("below")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("cannot be created");
    NodeConfigFile.checkDataDir(dir.resolve("new").resolve("data"));
    assertThat(dir.resolve("new")).as("checking creates nothing").doesNotExist();
  }

  @Test
  void theCliExitsWith2OnABadConfigAndWritesNoData() throws IOException {
    Path data = dir.resolve("data");
    int exit = io.sluice.node.cli.CliRunner.run("node", "--address", "127.0.0.1:7101", "--admin-address", "127.0.0.1:7201",
        "--data-dir", data.toString(), "--peers", "127.0.0.1:7102,127.0.0.1:7103");
    assertThat(exit).isEqualTo(2);
    assertThat(data).doesNotExist();
  }
}
