package io.sluice.node;

import java.util.Optional;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.apache.ratis.metrics.impl.RatisMetricRegistryImpl;
import org.apache.ratis.thirdparty.com.codahale.metrics.Metric;
import org.apache.ratis.thirdparty.com.codahale.metrics.Timer;

/**
 * Reads a figure Ratis already keeps for one group member, in its own (Dropwizard) registries: the
 * log's fsync timer. Ratis creates these registries lazily and may drop them, so every read looks
 * them up again and may find nothing.
 */
final class RatisMeters {
  private final String memberId;

  /** @param memberId the member's {@code RaftGroupMemberId} as text ({@code peer@group-...}): the registries' prefix */
  RatisMeters(String memberId) {
    this.memberId = memberId;
  }

  /** Ratis' timer of Raft log syncs (fsync of the log file), if the log has been opened. */
  Optional<Timer> logSync() {
    return metric("log_worker", "syncTime").filter(Timer.class::isInstance).map(Timer.class::cast);
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
