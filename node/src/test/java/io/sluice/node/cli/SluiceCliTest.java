package io.sluice.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command line as a whole: help on every command, and a completion script that knows them all. */
class SluiceCliTest {

  @Test
  void everyCommandAndSubcommandHasHelp() {
    List<List<String>> paths = new ArrayList<>();
    collect(SluiceCli.commandLine(), new ArrayList<>(), paths);
    assertThat(paths).extracting(p -> String.join(" ", p))
        .contains("insert", "find", "update", "delete", "status", "watch", "node", "admin snapshot", "bench", "generate-completion");
    for (List<String> path : paths) {
      List<String> args = new ArrayList<>(path);
      args.add("--help");
      CliRunner.Result help = CliRunner.capture(args.toArray(String[]::new));
      assertThat(help.exitCode()).as("%s --help", path).isZero();
      assertThat(help.out()).as("%s --help", path).startsWith("Usage: sluice " + String.join(" ", path));
    }
  }

  @Test
  void theCompletionScriptCompletesTheCommands() {
    CliRunner.Result script = CliRunner.capture("generate-completion");
    assertThat(script.exitCode()).isZero();
    assertThat(script.out()).contains("complete -F", "insert", "watch", "transfer-leader", "--full-document");
  }

  private static void collect(CommandLine command, List<String> path, List<List<String>> into) {
    command.getSubcommands().forEach((name, sub) -> {
      List<String> subPath = new ArrayList<>(path);
      subPath.add(name);
      into.add(subPath);
      collect(sub, subPath, into);
    });
  }
}
