package io.sluice.node.cli;

import io.sluice.client.ConnectionString;
import io.sluice.client.NodeDescription;
import io.sluice.client.SluiceClient;
import io.sluice.node.admin.BackupRestore;
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
        AdminCommand.TransferLeader.class, AdminCommand.Snapshot.class, AdminCommand.Restore.class})
final class AdminCommand {

  /** The options every subcommand takes. */
  static final class Connection {
    @Option(names = "--connect", required = true, description = "connection string, e.g. sluice://127.0.0.1:7101,127.0.0.1:7102")
    String connect;

    @Option(names = "--timeout", defaultValue = "60", description = "seconds the operation may take; for restore, each write"
        + " (default ${DEFAULT-VALUE})")
    long timeoutSeconds;

    ClusterAdmin open() {
      checkTimeout();
      return ClusterAdmin.connect(connect, Duration.ofSeconds(timeoutSeconds));
    }

    /** The connection with {@code --timeout} as each call's timeout. */
    ConnectionString withTimeout() {
      checkTimeout();
      ConnectionString parsed = ConnectionString.parse(connect);
      return new ConnectionString(parsed.addresses(), parsed.clusterName(), Duration.ofSeconds(timeoutSeconds));
    }

    private void checkTimeout() {
      if (timeoutSeconds < 1) {
        throw new IllegalArgumentException("--timeout must be at least 1 second, got " + timeoutSeconds);
      }
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

    /** Prints {@code status} on standard error every second until closed. */
    ProgressTicker progress(java.util.function.LongFunction<String> status) {
      return ProgressTicker.start(spec.commandLine().getErr(), status);
    }

    /** A client of the nodes at {@code addresses} of this cluster, whose calls give up after a second (for progress lines). */
    SluiceClient quickClient(List<String> addresses) {
      ConnectionString cluster = ConnectionString.parse(connection.connect);
      return SluiceClient.connect(new ConnectionString(addresses, cluster.clusterName(), Duration.ofSeconds(1)));
    }
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

    /** Clients for the progress lines, made at the first one: after the address has been checked. */
    private SluiceClient joining;
    private SluiceClient members;

    @Override
    void run(ClusterAdmin admin, PrintWriter out) {
      try (ProgressTicker ticker = progress(seconds -> seconds + " s: " + catchingUp())) {
        admin.addNode(address, learner);
      } finally {
        for (SluiceClient c : new SluiceClient[] {joining, members}) {
          if (c != null) {
            c.close();
          }
        }
      }
      out.println("added " + address + " as a " + (learner ? "learner" : "voter"));
      print(admin.members(), out);
    }

    /** How far the new node has applied, against the furthest member the connection names. */
    private String catchingUp() {
      if (joining == null) {
        joining = quickClient(List.of(address));
        members = quickClient(ConnectionString.parse(connection.connect).addresses());
      }
      NodeDescription self = joining.describeNodes().get(0);
      if (!self.reachable()) {
        return "waiting for " + address + " to answer (is it running in join mode?)";
      }
      long target = members.describeNodes().stream().filter(NodeDescription::reachable).mapToLong(NodeDescription::appliedIndex).max().orElse(-1);
      return String.format(java.util.Locale.ROOT, "%s has applied %,d of %,d entries", address, self.appliedIndex(), target);
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
      String where = node == null ? "the leader" : node;
      long index;
      try (ProgressTicker ticker = progress(seconds -> seconds + " s: waiting for the snapshot on " + where + " to be on disk")) {
        index = admin.snapshot(node);
      }
      out.println("snapshot index " + index + " on " + where);
    }
  }

  @Command(name = "restore", mixinStandardHelpOptions = true, description = {
      "Restore a backup (a snapshot file copied from a node, with its .crc32c) into a running cluster:",
      "every collection with its options, indexes and documents, written through the log. The cluster's",
      "change history starts afresh; resume tokens from before the backup do not carry over."})
  static final class Restore implements Callable<Integer> {
    @Mixin
    Connection connection;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SNAPSHOT", description = "the backup: a snapshot.<term>_<index> file")
    java.nio.file.Path backup;

    @Option(names = "--drop", description = "drop each collection of the backup that the cluster has before restoring it"
        + " (without it, such a collection is refused and nothing is written)")
    boolean drop;

    @Option(names = "--work-dir", paramLabel = "DIR", description = "where the backup is copied to be read; it needs the backup's size"
        + " free (default: the temporary directory)")
    java.nio.file.Path workDir;

    @Override
    public Integer call() {
      try (SluiceClient client = SluiceClient.connect(connection.withTimeout())) {
        PrintWriter err = spec.commandLine().getErr();
        java.nio.file.Path work = workDir != null ? workDir : java.nio.file.Path.of(System.getProperty("java.io.tmpdir"));
        BackupRestore.Summary restored = BackupRestore.restore(backup, work, client, drop, line -> {
          err.println(line);
          err.flush();
        });
        PrintWriter out = spec.commandLine().getOut();
        out.printf(java.util.Locale.ROOT, "restored %d collections, %d indexes, %,d documents from %s (taken at index %d, term %d)%n",
            restored.collections(), restored.indexes(), restored.documents(), backup.getFileName(),
            restored.backupPosition().index(), restored.backupPosition().term());
        out.flush();
      }
      return 0;
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
