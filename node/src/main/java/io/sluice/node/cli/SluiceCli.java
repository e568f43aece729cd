package io.sluice.node.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code sluice-node <command>}: the entry point of the node jar, called by the {@code ./sluice} launcher. */
@Command(name = "sluice", mixinStandardHelpOptions = true, version = "sluice 0.1.0",
    description = "Sluice: a replicated document store with change streams.",
    subcommands = {NodeCommand.class, StatusCommand.class, DocumentCommands.Insert.class, DocumentCommands.Find.class,
        DocumentCommands.Update.class, DocumentCommands.Delete.class, WatchCommand.class, AdminCommand.class,
        io.sluice.node.bench.BenchCommand.class, picocli.AutoComplete.GenerateCompletion.class})
public final class SluiceCli {

  /**
   * Ratis' shaded gRPC logs through java.util.logging, at INFO on every start ("Epoll available"):
   * warnings only. A field, because java.util.logging keeps its loggers weakly.
   */
  private static final java.util.logging.Logger GRPC_LOG = java.util.logging.Logger.getLogger("org.apache.ratis.thirdparty.io.grpc");

  public static void main(String[] args) {
    GRPC_LOG.setLevel(java.util.logging.Level.WARNING);
    giveCompletableFutureAPoolOnSmallMachines();
    try {
      // Before any logger exists: logback.xml picks its appender by this property.
      System.setProperty(LOG_FORMAT, logFormat(System.getProperty(LOG_FORMAT, System.getenv(LOG_FORMAT))));
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.exit(2);
    }
    System.exit(run(args));
  }

  static final String LOG_FORMAT = "SLUICE_LOG_FORMAT";

  /** The log format named by {@code value}: TEXT when unset or blank, JSON, in any case; anything else is refused. */
  static String logFormat(String value) {
    String format = value == null || value.isBlank() ? "TEXT" : value.strip().toUpperCase(java.util.Locale.ROOT);
    if (!format.equals("TEXT") && !format.equals("JSON")) {
      throw new IllegalArgumentException(LOG_FORMAT + " must be TEXT or JSON, got '" + value + "'");
    }
    return format;
  }

  private static final String COMMON_POOL_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

  /**
   * With fewer than 3 cores the JDK gives CompletableFuture no pool: every async step without an
   * executor starts a thread of its own, and a Ratis follower takes one such step per append it
   * receives. A common pool of 2 avoids that (on 2 cores, follower stream p50 3.2 -> 2.3 ms, p99 22 ->
   * 15 ms, medians of 3 alternating runs). Set before anything loads CompletableFuture; an explicit
   * -D wins.
   */
  private static void giveCompletableFutureAPoolOnSmallMachines() {
    if (System.getProperty(COMMON_POOL_PARALLELISM) == null && Runtime.getRuntime().availableProcessors() < 3) {
      System.setProperty(COMMON_POOL_PARALLELISM, "2");
    }
  }

  static int run(String... args) {
    return commandLine().execute(args);
  }

  /** The command line, with errors printed as one line: exit code 2 for bad input, 1 for failures. */
  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new SluiceCli());
    cli.setParameterExceptionHandler((e, args) -> {
      CommandLine command = e.getCommandLine();
      String path = ("sluice " + command.getCommandSpec().qualifiedName(" ").replaceFirst("^sluice ?", "")).strip();
      command.getErr().println("error: " + e.getMessage() + " (see '" + path + " --help')");
      return 2;
    });
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      commandLine.getErr().println("error: " + e.getMessage());
      boolean badInput = e instanceof io.sluice.node.ConfigException || e instanceof IllegalArgumentException
          || e instanceof io.sluice.node.admin.AdminException admin && admin.isBadInput();
      return badInput ? 2 : 1;
    });
    return cli;
  }
}
