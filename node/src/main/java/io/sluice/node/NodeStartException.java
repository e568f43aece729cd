package io.sluice.node;

import org.apache.ratis.util.JavaUtils;

/** A node that could not start, with what the operator can do about it. */
public final class NodeStartException extends RuntimeException {
  private final boolean damagedLog;

  NodeStartException(NodeConfig config, Throwable cause) {
    super(explain(config, JavaUtils.unwrapCompletionException(cause)), cause);
    this.damagedLog = mentionsDamagedLog(JavaUtils.unwrapCompletionException(cause));
  }

  /** Whether the node failed because its Raft log is damaged, which its {@code corruptLogPolicy} decides about. */
  boolean damagedLog() {
    return damagedLog;
  }

  private static String explain(NodeConfig config, Throwable cause) {
    String problem = "node " + config.nodeId() + " failed to start: " + rootMessage(cause);
    if (problem.contains("Wipe this node and rejoin it")) {
      return problem + ": sluice node --config FILE --rejoin (./sluice cluster rejoin N for a local cluster).";
    }
    if (!mentionsDamagedLog(cause)) {
      return problem;
    }
    return problem + ". The Raft log in " + config.dataDir().resolve("raft") + " is damaged (a crash mid-write or a disk fault)."
        + " Wipe this node and rejoin it: sluice node --config FILE --rejoin (./sluice cluster rejoin N for a local cluster),"
        + " or set 'corruptLogPolicy: rejoin' to have it do so by itself when this happens.";
  }

  private static boolean mentionsDamagedLog(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      String text = t.getClass().getSimpleName() + " " + t.getMessage();
      if (text.contains("Corrupt") || text.contains("corrupt") || text.contains("segment") || text.contains("checksum")) {
        return true;
      }
    }
    return false;
  }

  private static String rootMessage(Throwable cause) {
    Throwable root = cause;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root == cause ? String.valueOf(cause) : cause + " (caused by " + root + ")";
  }
}
