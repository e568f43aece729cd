package io.sluice.node;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The named checks behind {@code /readyz}, printed Kubernetes-style ({@code [+]name ok} /
 * {@code [-]name failed: why}): a node is ready to serve when its store is open, it is a member of
 * the group that knows its leader, and it has applied nearly everything it knows is committed.
 */
final class Readiness {
  /** Applied within this many entries of the commit index counts as caught up. */
  static final long CAUGHT_UP_ENTRIES = 1000;
  private static final Set<String> MEMBER_ROLES = Set.of("LEADER", "FOLLOWER", "LISTENER", "CANDIDATE");

  record Check(String name, Optional<String> failure) {
    boolean passed() {
      return failure.isEmpty();
    }

    @Override
    public String toString() {
      return failure.map(why -> "[-]" + name + " failed: " + why).orElse("[+]" + name + " ok");
    }
  }

  private Readiness() {}

  static List<Check> of(SluiceNode node) {
    List<Check> checks = new ArrayList<>();
    checks.add(check("storage", node.stateMachine().store().isOpen() ? null : "the store is closed"));
    String role = node.info().map(i -> i.getCurrentRole().name()).orElse("STARTING");
    String leader = node.info().map(i -> i.getLeaderId()).map(Object::toString).orElse(null);
    checks.add(check("group", !MEMBER_ROLES.contains(role) ? "not a member yet (role " + role + ")"
        : leader == null ? "no known leader (role " + role + ")" : null));
    long commit = node.raftLog().map(log -> log.getLastCommittedIndex()).orElse(0L);
    long applied = node.lastAppliedIndex();
    checks.add(check("caught-up", commit - applied > CAUGHT_UP_ENTRIES
        ? "applied index " + applied + " is " + (commit - applied) + " entries behind commit index " + commit + " (ready within "
          + CAUGHT_UP_ENTRIES + ")" : null));
    return checks;
  }

  private static Check check(String name, String failure) {
    return new Check(name, Optional.ofNullable(failure));
  }

  /** The response body: every check on its own line, then the verdict. */
  static String report(List<Check> checks) {
    StringBuilder body = new StringBuilder();
    checks.forEach(c -> body.append(c).append('\n'));
    return body.append(checks.stream().allMatch(Check::passed) ? "readyz check passed\n" : "readyz check failed\n").toString();
  }
}
