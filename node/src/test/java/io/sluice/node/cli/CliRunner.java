package io.sluice.node.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Lets tests in other packages run the CLI without exiting the JVM. */
public final class CliRunner {
  private CliRunner() {}

  public static int run(String... args) {
    return SluiceCli.run(args);
  }

  /** What one run printed, and its exit code. */
  public record Result(int exitCode, String out, String err) {}

  public static Result capture(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = SluiceCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new Result(exit, out.toString(), err.toString());
  }
}
