package io.sluice.node.admin;

/** Ratis wraps the error that matters (a retry failure around a server's exception): find it. */
final class Causes {
  private Causes() {}

  static boolean inChain(Throwable e, Class<? extends Throwable> type) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  /** The innermost cause as "SimpleName: message", for one-line errors. */
  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getClass().getSimpleName() + ": " + t.getMessage();
  }
}
