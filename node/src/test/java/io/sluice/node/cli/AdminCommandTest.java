package io.sluice.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad input to {@code sluice admin} is one clear line and exit code 2; a cluster that is not there is exit code 1. */
class AdminCommandTest {
  private static final String NOWHERE = "--connect=sluice://127.0.0.1:1";

  static Stream<Arguments> badInput() {
    return Stream.of(
        Arguments.of(new String[] {"add-node", "not-an-address", NOWHERE}, "'not-an-address' is not host:port"),
        Arguments.of(new String[] {"add-node", "127.0.0.1:99999", "--learner", NOWHERE}, "'127.0.0.1:99999' is not host:port"),
        Arguments.of(new String[] {"remove-node", ":7101", NOWHERE}, "':7101' is not host:port"),
        Arguments.of(new String[] {"transfer-leader", "127.0.0.1", NOWHERE}, "'127.0.0.1' is not host:port"),
        Arguments.of(new String[] {"members", "--connect", "127.0.0.1:7101"}, "a connection string starts with sluice://"),
        Arguments.of(new String[] {"members", NOWHERE, "--timeout", "0"}, "--timeout must be at least 1 second"),
        Arguments.of(new String[] {"add-node", NOWHERE}, "Missing required parameter: 'HOST:PORT'"),
        Arguments.of(new String[] {"members"}, "Missing required option: '--connect"),
        Arguments.of(new String[] {"frobnicate", NOWHERE}, "Unmatched arguments"));
  }

  @ParameterizedTest
  @MethodSource("badInput")
  void badInputIsOneClearErrorAndExitCode2(String[] args, String message) {
    CliRunner.Result result = CliRunner.capture(Stream.concat(Stream.of("admin"), Stream.of(args)).toArray(String[]::new));
    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains(message);
  }

  @Test
  void aBackupThatIsMissingDamagedOrNotASnapshotIsRefusedBeforeAnythingIsWritten(@TempDir Path dir) throws Exception {
    Files.createDirectory(dir.resolve("work"));
    Path missing = dir.resolve("snapshot.1_10");
    assertRestoreRefused(missing, "backup " + missing + " is not a readable file");

    Path unchecked = Files.write(dir.resolve("snapshot.1_20"), new byte[] {1, 2, 3});
    assertRestoreRefused(unchecked, "cannot be used: it has no checksum file");

    Path damaged = Files.write(dir.resolve("snapshot.1_30"), new byte[] {1, 2, 3});
    Files.writeString(dir.resolve("snapshot.1_30.crc32c"), "00000000\n");
    assertRestoreRefused(damaged, "cannot be used: its CRC-32C is");

    byte[] garbage = new byte[4096];
    java.util.Arrays.fill(garbage, (byte) 7);
    Path notSluice = Files.write(dir.resolve("snapshot.1_40"), garbage);
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(garbage);
    Files.writeString(dir.resolve("snapshot.1_40.crc32c"), String.format("%08x%n", crc.getValue()));
    assertRestoreRefused(notSluice, "is not a Sluice snapshot");

    Path otherMapDb = dir.resolve("snapshot.1_50");
    org.mapdb.DBMaker.fileDB(otherMapDb.toFile()).make().close();
    crc.reset();
    crc.update(Files.readAllBytes(otherMapDb));
    Files.writeString(dir.resolve("snapshot.1_50.crc32c"), String.format("%08x%n", crc.getValue()));
    assertRestoreRefused(otherMapDb, "is not a Sluice snapshot: it holds no applied log position");
    try (var left = Files.list(dir.resolve("work"))) {
      assertThat(left).as("copies of refused backups").isEmpty();
    }
  }

  private static void assertRestoreRefused(Path backup, String message) {
    Path work = backup.resolveSibling("work");
    CliRunner.Result result = CliRunner.capture("admin", "restore", backup.toString(), NOWHERE, "--timeout", "1", "--work-dir", work.toString());
    assertThat(result.exitCode()).as(result.err()).isEqualTo(2);
    assertThat(result.err()).contains(message).hasLineCount(1);
  }

  @Test
  void anUnreachableClusterIsExitCode1WithOneLine() {
    CliRunner.Result result = CliRunner.capture("admin", "members", NOWHERE, "--timeout", "1");
    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err()).startsWith("error: no leader found at [127.0.0.1:1] within 1 s").hasLineCount(1);
  }
}
