package io.sluice.node;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.apache.ratis.metrics.impl.RatisMetricRegistryImpl;
import org.apache.ratis.thirdparty.com.codahale.metrics.Metric;
import org.apache.ratis.thirdparty.com.codahale.metrics.Timer;

/**
 * Reads figures Ratis already keeps for one group member, in its own (Dropwizard) registries: the
 * log's fsync timer and, on a leader, each follower's match index. Ratis creates these registries
 * lazily and drops them when a role ends, so every read looks them up again and may find nothing.
 */
final class RatisMeters {
  /** A gauge's full name ends with {@code follower_<peer id>_match_index}; Ratis prefixes the registry's name. */
  private static final Pattern MATCH_INDEX = Pattern.compile("(?:^|\\.)follower_(.+)_match_index$");

  private final String memberId;

  /** @param memberId the member's {@code RaftGroupMemberId} as text ({@code peer@group-...}): the registries' prefix */
  RatisMeters(String memberId) {
    this.memberId = memberId;
  }

  /** Ratis' timer of Raft log syncs (fsync of the log file), if the log has been opened. */
  Optional<Timer> logSync() {
    return metric("log_worker", "syncTime").filter(Timer.class::isInstance).map(Timer.class::cast);
  }

  /** On the leader: every follower's match index by peer id; elsewhere, empty. */
  Map<String, Long> followerMatchIndices() {
    Map<String, Long> indices = new HashMap<>();
    registry("log_appender").ifPresent(registry -> registry.getDropWizardMetricRegistry().getGauges().forEach((name, gauge) -> {
      Matcher m = MATCH_INDEX.matcher(name);
      if (m.find() && gauge.getValue() instanceof Number n) {
        indices.put(m.group(1), n.longValue());
      }
    }));
    return indices;
  }

  private Optional<Metric> metric(String component, String name) {
    return registry(component).map(r -> r.get(name));
  }

  private Optional<RatisMetricRegistryImpl> registry(String component) {
    for (RatisMetricRegistry registry : MetricRegistries.global().getMetricRegistries()) {
      if (registry instanceof RatisMetricRegistryImpl impl && memberId.equals(registry.getMetricRegistryInfo().getPrefix())
          && component.equals(registry.getMetricRegistryInfo().getMetricsComponentName())) {
        return Optional.of(impl);
      }
    }
    return Optional.empty();
  }
}
