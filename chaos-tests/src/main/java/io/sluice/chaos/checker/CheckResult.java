package io.sluice.chaos.checker;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a checker concluded about a history.
 *
 * <p>A result has three outcomes, given by {@link #status()}:
 * <ul>
 *   <li>{@link Status#VALID}: no anomaly, and every part of the history was decided;</li>
 *   <li>{@link Status#INVALID}: at least one anomaly was proven ({@link #valid()} is false);</li>
 *   <li>{@link Status#UNKNOWN}: no anomaly was found, but some part could not be decided (a search
 *       ran out of budget, a final read is missing). {@link #valid()} is then still true, because
 *       nothing wrong was shown; the undecided parts are listed by {@link #undecided()}, each line
 *       starting with {@code "undecided:"}. A test that wants proof asserts
 *       {@code status() == VALID}; one that only wants "no bug found" asserts {@code valid()}.</li>
 * </ul>
 *
 * @param findings anomalies and undecided parts, each with the history time it is about
 * @param counts figures about the history the checker saw (ops by outcome, events, ...), in insertion order
 */
public record CheckResult(List<Finding> findings, Map<String, Long> counts) {
  public enum Status {
    VALID, INVALID, UNKNOWN
  }

  /**
   * One line of a result.
   *
   * @param nanos the history time the finding is about (its op's completion, its stream record), or -1
   * @param undecided true for "could not decide", false for a proven anomaly
   * @param text one human-readable line naming the ops, values and positions involved
   */
  public record Finding(long nanos, boolean undecided, String text) {
    @Override
    public String toString() {
      return text;
    }
  }

  public CheckResult {
    findings = List.copyOf(findings);
    counts = Collections.unmodifiableMap(new LinkedHashMap<>(counts));
  }

  /** True when no anomaly was proven (undecided parts do not count against validity). */
  public boolean valid() {
    return findings.stream().noneMatch(f -> !f.undecided());
  }

  /** True when every part of the history was decided. */
  public boolean decided() {
    return findings.stream().noneMatch(Finding::undecided);
  }

  public Status status() {
    return !valid() ? Status.INVALID : decided() ? Status.VALID : Status.UNKNOWN;
  }

  /** The proven anomalies, one line each. */
  public List<String> anomalies() {
    return findings.stream().filter(f -> !f.undecided()).map(Finding::text).toList();
  }

  /** The undecided parts, one line each, each starting with {@code "undecided:"}. */
  public List<String> undecided() {
    return findings.stream().filter(Finding::undecided).map(Finding::text).toList();
  }

  public long count(String name) {
    return counts.getOrDefault(name, 0L);
  }

  /** Combines results of independent parts (e.g. keys): findings concatenated, counts summed. */
  public static CheckResult merge(List<CheckResult> parts) {
    Builder builder = new Builder();
    for (CheckResult part : parts) {
      builder.findings.addAll(part.findings);
      part.counts.forEach(builder::add);
    }
    return builder.build();
  }

  @Override
  public String toString() {
    StringBuilder text = new StringBuilder(status().toString());
    if (!counts.isEmpty()) {
      text.append(' ').append(counts);
    }
    for (Finding finding : findings) {
      text.append("\n  ").append(finding.text());
    }
    return text.toString();
  }

  /** Collects findings and counts while a checker runs. */
  public static final class Builder {
    private final List<Finding> findings = new ArrayList<>();
    private final Map<String, Long> counts = new LinkedHashMap<>();

    public Builder anomaly(long nanos, String text) {
      findings.add(new Finding(nanos, false, text));
      return this;
    }

    /** Records an undecided part; the {@code "undecided: "} prefix is added here. */
    public Builder undecided(long nanos, String text) {
      findings.add(new Finding(nanos, true, "undecided: " + text));
      return this;
    }

    public Builder add(String count, long amount) {
      counts.merge(count, amount, Long::sum);
      return this;
    }

    public Builder increment(String count) {
      return add(count, 1);
    }

    /** Makes a count appear even when it stays zero, so summaries show it. */
    public Builder count(String count) {
      return add(count, 0);
    }

    public CheckResult build() {
      return new CheckResult(findings, counts);
    }
  }
}
