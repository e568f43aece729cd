package io.sluice.node.cli;

import io.sluice.node.admin.ClusterAdmin;
import io.sluice.node.admin.Member;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sluice admin <subcommand> --connect sluice://...}: cluster membership and Raft administration. */
@Command(name = "admin", mixinStandardHelpOptions = true, description = "Cluster membership and Raft administration.",
    subcommands = {AdminCommand.Members.class, AdminCommand.AddNode.class, AdminCommand.RemoveNode.class,
        AdminCommand.TransferLeader.class, AdminCommand.Snapshot.class})
final class AdminCommand {

  /** The options every subcommand takes. */
  static final class Connection {
    @Option(names = "--connect", required = true, description = "connection string, e.g. sluice://127.0.0.1:7101,127.0.0.1:7102")
    String connect;

    @Option(names = "--timeout", defaultValue = "60", description = "seconds the operation may take (default ${DEFAULT-VALUE})")
    long timeoutSeconds;

    ClusterAdmin open() {
      if (timeoutSeconds < 1) {
        throw new IllegalArgumentException("--timeout must be at least 1 second, got " + timeoutSeconds);
      }
      return ClusterAdmin.connect(connect, Duration.ofSeconds(timeoutSeconds));
    }
  }

  /** Base of the subcommands: runs one admin operation and prints its result. */
  abstract static class Subcommand implements Callable<Integer> {
    @Mixin
    Connection connection;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
      try (ClusterAdmin admin = connection.open()) {
        run(admin, spec.commandLine().getOut());
      }
      return 0;
    }

    abstract void run(ClusterAdmin admin, PrintWriter out);
  }

  @Command(name = "members", mixinStandardHelpOptions = true, description = "List every member: id, address, role, commit index.")
  static final class Members extends Subcommand {
    @Override
    void run(ClusterAdmin admin, PrintWriter out) {
      print(admin.members(), out);
    }
  }

  @Command(name = "add-node", mixinStandardHelpOptions = true,
      description = "Add a node running in join mode as a voter (or --learner); returns once the leader has caught it up.")
  static final class AddNode extends Subcommand {
    @Parameters(index = "0", paramLabel = "HOST:PORT", description = "the new node's address")
    String address;

    @Option(names = "--learner", description = "add it as a learner (a Ratis listener): it gets the data and serves reads but does not vote")
    boolean learner;

    @Override
    void run(ClusterAdmin admin, PrintWriter out) {
      admin.addNode(address, learner);
      out.println("added " + address + " as a " + (learner ? "learner" : "voter"));
      print(admin.members(), out);
    }
  }

  @Command(name = "remove-node", mixinStandardHelpOptions = true, description = "Remove a voter or a learner (never the last voter).")
  static final class RemoveNode extends Subcommand {
    @Parameters(index = "0", paramLabel = "HOST:PORT", description = "the member's address")
    String address;

    @Override
    void run(ClusterAdmin admin, PrintWriter out) {
      admin.removeNode(address);
      out.println("removed " + address + "; it can be stopped now");
      print(admin.members(), out);
    }
  }

  @Command(name = "transfer-leader", mixinStandardHelpOptions = true, description = "Make a voter the leader.")
  static final class TransferLeader extends Subcommand {
    @Parameters(index = "0", paramLabel = "HOST:PORT", description = "the voter to lead")
    String address;

    @Override
    void run(ClusterAdmin admin, PrintWriter out) {
      admin.transferLeader(address);
      out.println("leader is now " + address);
    }
  }

  @Command(name = "snapshot", mixinStandardHelpOptions = true, description = "Ask a node (default: the leader) to take a snapshot now.")
  static final class Snapshot extends Subcommand {
    @Option(names = "--node", paramLabel = "HOST:PORT", description = "the member to snapshot (default: the leader)")
    String node;

    @Override
    void run(ClusterAdmin admin, PrintWriter out) {
      out.println("snapshot index " + admin.snapshot(node) + " on " + (node == null ? "the leader" : node));
    }
  }

  static void print(List<Member> members, PrintWriter out) {
    String format = "%-22s %-22s %-9s %10s%n";
    out.printf(format, "ID", "ADDRESS", "ROLE", "COMMIT");
    for (Member m : members) {
      out.printf(format, m.id(), m.address(), m.role().name().toLowerCase(java.util.Locale.ROOT), m.commitIndex());
    }
    out.flush();
  }
}
