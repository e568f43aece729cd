package io.sluice.node;

import org.apache.ratis.io.CorruptedFileException;
import org.apache.ratis.protocol.exceptions.ChecksumException;
import org.apache.ratis.util.JavaUtils;

/** A node that could not start, with what the operator can do about it. */
public final class NodeStartException extends RuntimeException {
  /** Ratis' reader of log segments (not public): an I/O exception it throws itself is a format error. */
  static final String SEGMENT_READER = "org.apache.ratis.server.raftlog.segmented.SegmentedRaftLogReader";
  private final boolean damagedLog;

  private NodeStartException(NodeConfig config, Throwable cause, boolean damagedLog) {
    super(explain(config, cause, damagedLog), cause);
    this.damagedLog = damagedLog;
  }

  /** The failure of a node's start, with Ratis' completion wrapper taken off. */
  static NodeStartException of(NodeConfig config, Throwable failure) {
    Throwable cause = JavaUtils.unwrapCompletionException(failure);
    return new NodeStartException(config, cause, isDamagedLog(cause));
  }

  /** Whether the node failed because its Raft log is damaged, which its {@code corruptLogPolicy} decides about. */
  boolean damagedLog() {
    return damagedLog;
  }

  private static String explain(NodeConfig config, Throwable cause, boolean damagedLog) {
    String problem = "node " + config.nodeId() + " failed to start: " + rootMessage(cause);
    if (problem.contains("Wipe this node and rejoin it")) {
      return problem + ": sluice node --config FILE --rejoin (./sluice cluster rejoin N for a local cluster).";
    }
    if (!damagedLog) {
      return problem;
    }
    return problem + ". The Raft log in " + config.dataDir().resolve("raft") + " is damaged (a crash mid-write or a disk fault)."
        + " Wipe this node and rejoin it: sluice node --config FILE --rejoin (./sluice cluster rejoin N for a local cluster),"
        + " or set 'corruptLogPolicy: rejoin' to have it do so by itself when this happens.";
  }

  /**
   * Whether Ratis found the content of a log segment damaged: a checksum or header that does not match,
   * or an entry its reader could not parse. Decided by the exception's type and where it was thrown,
   * never by words in a message (a host name or a path could hold them): under
   * {@code corruptLogPolicy: rejoin} this answer wipes the node. An I/O error reading the file, such as
   * a permission denied, is not damage.
   */
  static boolean isDamagedLog(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof ChecksumException || t instanceof CorruptedFileException) {
        return true;
      }
      StackTraceElement[] stack = t.getStackTrace();
      if (t instanceof java.io.IOException && stack.length > 0 && stack[0].getClassName().equals(SEGMENT_READER)) {
        return true;
      }
      if (t.getCause() == t) {
        break;
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
