package io.sluice.node.cli;

/** Lets tests in other packages run the CLI without exiting the JVM. */
public final class CliRunner {
  private CliRunner() {}

  public static int run(String... args) {
    return SluiceCli.run(args);
  }
}
