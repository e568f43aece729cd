package io.sluice.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The bench command runs end to end on a small input and refuses bad input clearly; its figures are not asserted. */
class BenchCommandTest {

  private static String[] run(int expectedExit, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = SluiceCli.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    assertThat(cli.execute(args)).as("exit code; stderr: %s", err).isEqualTo(expectedExit);
    return new String[] {out.toString(), err.toString()};
  }

  @Test
  void resumeDepthResumesRightAfterEachTokenOnASmallStore() {
    String out = run(0, "bench", "resume-depth", "--entries", "1200")[0];
    assertThat(out).contains("resume 1 entries back", "resume 1,000 entries back", "resume 1,199 entries back");
  }

  @Test
  void anUnknownScenarioOrAMissingConnectionIsExitCode2() {
    assertThat(run(2, "bench", "everything")[1]).contains("unknown scenario 'everything'");
    assertThat(run(2, "bench", "streams")[1]).contains("needs --connect");
    assertThat(run(2, "bench", "resume-depth", "--entries", "1")[1]).contains("--entries must be at least 2");
    assertThat(run(2, "bench", "durability", "--data-mb", "0")[1]).contains("--data-mb, --runs, --writers and --gap-seconds must be positive");
    assertThat(run(2, "bench", "durability", "--data-mb", "100000000")[1]).contains("needs about", "pass --dir");
    assertThat(run(2, "bench", "engine", "--runs", "0")[1]).contains("--runs must be at least 1");
  }
}
