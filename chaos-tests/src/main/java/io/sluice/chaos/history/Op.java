package io.sluice.chaos.history;

import java.util.List;

/**
 * One line of a client history, as in Jepsen: every operation appears as an {@link OpType#INVOKE}
 * and later as its completion, with the same {@code process} (a process runs one operation at a time).
 *
 * <p>{@code value} by function: {@code write [v]}; {@code cas [expected, new]}; {@code read} invoke
 * {@code []}, ok {@code [v]} or {@code []} when the document is absent; {@code add [v]};
 * {@code read-all} invoke {@code []}, ok the elements read.
 *
 * @param index position in the history, assigned by the recorder
 * @param nanos time since the history started
 * @param process the logical client
 * @param f the function: {@link #READ}, {@link #WRITE}, {@link #CAS}, {@link #ADD}, {@link #READ_ALL}
 * @param key the register's key, or the set's name
 * @param node the node that answered (ok; fail of a cas that did not match), else the node the call was sent to
 * @param logIndex the Raft index a completed write was applied at (from its write result), else null
 * @param error what went wrong, for fail and info
 */
public record Op(long index, long nanos, int process, OpType type, String f, String key, List<Long> value, String node,
                 Long logIndex, String error) {
  public static final String READ = "read";
  public static final String WRITE = "write";
  public static final String CAS = "cas";
  public static final String ADD = "add";
  public static final String READ_ALL = "read-all";

  public Op {
    value = value == null ? List.of() : List.copyOf(value);
  }
}
