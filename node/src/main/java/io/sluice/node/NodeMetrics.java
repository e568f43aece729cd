package io.sluice.node;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.raftlog.RaftLog;

/**
 * One node's metrics in Prometheus' text format ({@code /metrics}). The state machine records write
 * and read latencies and stream counters into {@link #registry}; the Raft figures here are read when
 * scraped, from the node and its Raft division, and the log's fsync time from Ratis' own timer ({@link RatisMeters}).
 */
final class NodeMetrics {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private SluiceNode node;
  private RatisMeters ratis;
  private MultiGauge followerLag;

  /** Where the state machine registers its own meters: created before the node, so it can be handed over. */
  MeterRegistry registry() {
    return registry;
  }

  /** Registers the meters that read {@code node}; called once the node's Raft server exists. */
  void bind(SluiceNode node, String raftMemberId) {
    this.node = node;
    this.ratis = new RatisMeters(raftMemberId);
    gauge("sluice.raft.term", "the current Raft term", n -> n.info().map(DivisionInfo::getCurrentTerm).orElse(0L));
    gauge("sluice.raft.leader", "1 on the leader, 0 elsewhere", n -> n.info().map(i -> i.isLeader() ? 1 : 0).orElse(0));
    gauge("sluice.raft.commit.index", "the highest log index this node knows is committed", NodeMetrics::commitIndex);
    gauge("sluice.raft.applied.index", "the highest log index this node has applied", SluiceNode::lastAppliedIndex);
    gauge("sluice.raft.apply.lag.entries", "committed entries not yet applied here",
        n -> Math.max(0, commitIndex(n) - n.lastAppliedIndex()));
    gauge("sluice.history.first.index", "the oldest entry whose change events this node still has",
        n -> n.historyWindow().map(w -> (double) w[0]).orElse(Double.NaN));
    gauge("sluice.history.last.index", "the newest entry whose change events this node has",
        n -> n.historyWindow().map(w -> (double) w[1]).orElse(Double.NaN));
    gauge("sluice.stream.calls.waiting", "change-stream calls (opens, getMores) that arrived and wait for one of the node's stream threads",
        SluiceNode::streamCallsWaiting);
    gauge("sluice.store.file.bytes", "the size of the store's file",
        n -> n.storeUsage().map(u -> (double) u.fileBytes()).orElse(Double.NaN));
    gauge("sluice.store.free.bytes", "the bytes of the store's file that hold no record (a compaction gives them back)",
        n -> n.storeUsage().map(u -> (double) u.freeBytes()).orElse(Double.NaN));
    FunctionCounter.builder("sluice.store.compactions", node, n -> n.storeUsage().map(u -> (double) u.compactions()).orElse(0.0))
        .description("times the store's file was compacted since the node started").register(registry);
    FunctionCounter.builder("sluice.store.renewals", node, n -> n.storeUsage().map(u -> (double) u.renewals()).orElse(0.0))
        .description("times a trimmed tree of the store (history, sessions) was renewed since the node started").register(registry);
    followerLag = MultiGauge.builder("sluice.raft.follower.match.lag.entries")
        .description("leader only: entries in the leader's log that a follower has not yet acknowledged").register(registry);
    TimeGauge.builder("sluice.raft.log.sync", ratis, TimeUnit.NANOSECONDS, r -> r.logSync().map(t -> t.getSnapshot().getMedian()).orElse(0.0))
        .tag("quantile", "0.5").description("Raft log fsync time (Ratis' recent sample)").register(registry);
    TimeGauge.builder("sluice.raft.log.sync", ratis, TimeUnit.NANOSECONDS,
            r -> r.logSync().map(t -> t.getSnapshot().get99thPercentile()).orElse(0.0))
        .tag("quantile", "0.99").description("Raft log fsync time (Ratis' recent sample)").register(registry);
    FunctionCounter.builder("sluice.raft.log.syncs", ratis, r -> r.logSync().map(t -> (double) t.getCount()).orElse(0.0))
        .description("Raft log fsyncs").register(registry);
  }

  /** The Prometheus text exposition, with the per-follower rows brought up to date first (one scrape at a time). */
  synchronized String scrape() {
    if (followerLag != null) {
      followerLag.register(followerLagRows(), true);
    }
    return registry.scrape();
  }

  /** On the leader, one row per follower: the leader's last index less the follower's match index. */
  private List<MultiGauge.Row<?>> followerLagRows() {
    Optional<List<FollowerProgress.Match>> matches = node.info().flatMap(FollowerProgress::matches);
    long last = node.raftLog().map(log -> log.getNextIndex() - 1).orElse(0L);
    return matches.orElse(List.of()).stream()
        .<MultiGauge.Row<?>>map(m -> MultiGauge.Row.of(Tags.of("follower", m.id()), Math.max(0, last - m.matchIndex())))
        .toList();
  }

  private void gauge(String name, String description, ToDoubleFunction<SluiceNode> value) {
    Gauge.builder(name, node, value).description(description).register(registry);
  }

  private static long commitIndex(SluiceNode node) {
    return node.raftLog().map(RaftLog::getLastCommittedIndex).orElse(0L);
  }
}
