package io.sluice.chaos.cluster;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Network faults between nodes, as rules in one private nftables table. On loopback every
 * connection leaves from 127.0.0.1, so each node runs under its own UID and its outgoing traffic to
 * the other nodes is rewritten to its own address (SNAT by socket owner); a partition then drops
 * packets by source and destination address on input. Clients (another UID) are never cut off.
 * Healing is one flush; {@link #close} deletes the table, also after a failed run.
 */
public final class Firewall implements AutoCloseable {
  static final String TABLE = "sluice_chaos";
  private static final String SUBNET = "127.0.10.0/24";

  /** A node as the firewall sees it: its UID and its own address. */
  public record Member(int uid, String address) {}

  /** Traffic from {@code from} to {@code to} is dropped. */
  public record Cut(String from, String to) {}

  private Firewall() {}

  /** Installs the table with one SNAT rule per member (removing a table left by an earlier run). */
  public static Firewall install(Collection<Member> members) {
    deleteTable();
    StringBuilder script = new StringBuilder()
        .append("add table ip ").append(TABLE).append('\n')
        .append("add chain ip ").append(TABLE).append(" node_sources { type nat hook postrouting priority srcnat; policy accept; }\n")
        .append("add chain ip ").append(TABLE).append(" faults { type filter hook input priority filter; policy accept; }\n");
    for (Member m : members) {
      script.append("add rule ip ").append(TABLE).append(" node_sources oifname \"lo\" meta skuid ").append(m.uid())
          .append(" ip daddr ").append(SUBNET).append(" snat to ").append(m.address()).append('\n');
    }
    nft(script.toString());
    return new Firewall();
  }

  /** Replaces the current faults with {@code cuts}. */
  public void apply(Collection<Cut> cuts) {
    StringBuilder script = new StringBuilder("flush chain ip " + TABLE + " faults\n");
    for (Cut cut : cuts) {
      script.append("add rule ip ").append(TABLE).append(" faults ip saddr ").append(cut.from())
          .append(" ip daddr ").append(cut.to()).append(" drop\n");
    }
    nft(script.toString());
  }

  /** Cuts both directions between every node of {@code side} and every node of {@code other}. */
  public static List<Cut> between(Collection<String> side, Collection<String> other) {
    List<Cut> cuts = new ArrayList<>();
    for (String a : side) {
      for (String b : other) {
        cuts.add(new Cut(a, b));
        cuts.add(new Cut(b, a));
      }
    }
    return cuts;
  }

  public void heal() {
    apply(List.of());
  }

  @Override
  public void close() {
    deleteTable();
  }

  static void deleteTable() {
    String tables = Commands.run(List.of("nft", "list", "tables"), "", 30);
    if (tables.lines().anyMatch(line -> line.strip().equals("table ip " + TABLE))) {
      nft("delete table ip " + TABLE + "\n");
    }
  }

  private static void nft(String script) {
    Commands.run(List.of("nft", "-f", "-"), script, 30);
  }
}
