package io.sluice.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.junit.jupiter.api.Test;

class RaftSettingsTest {

  @Test
  void nodesSnapshotAtDifferentIndexesWithinAQuarterOfTheThreshold() {
    List<Long> offsets = IntStream.rangeClosed(1, 5).mapToObj(n -> RaftSettings.staggering(100_000, "127.0.0.1_710" + n)).toList();
    assertThat(offsets).allSatisfy(o -> assertThat(o).isBetween(0L, 24_999L));
    assertThat(offsets).doesNotHaveDuplicates();
    assertThat(RaftSettings.staggering(100_000, "127.0.0.1_7101")).as("stable for a node").isEqualTo(offsets.get(0));
  }

  @Test
  void aTinyThresholdStillWorks() {
    assertThat(RaftSettings.staggering(3, "127.0.0.1_7101")).isZero();
  }

  /**
   * Regression: a leader retrying a snapshot for a follower that refuses connections held about 21
   * chunks at once (8 per try, kept until each try's timeout, tries overlapping) and ran out of a
   * 384 MiB heap in the chaos suite.
   */
  @Test
  void snapshotChunksHeldForAnUnreachableFollowerStayWellInsideASmallHeap() {
    RaftProperties p = properties();
    long chunk = RaftServerConfigKeys.Log.Appender.snapshotChunkSizeMax(p).getSize();
    long held = 3L * GrpcConfigKeys.Server.installSnapshotRequestElementLimit(p) * chunk;
    assertThat(held).as("bytes held by three overlapping tries").isLessThanOrEqualTo(128L << 20);
  }

  /**
   * Regression: with more than 8 chunks, a try to send a snapshot to a node that is not up yet blocks
   * until the stream's timeout; when that outlasted the staging timeout, adding (or rejoining) a node
   * failed with NOPROGRESS.
   */
  @Test
  void aStalledSnapshotTryEndsBeforeAddingANodeGivesUp() {
    RaftProperties p = properties();
    long streamTimeout = GrpcConfigKeys.Server.installSnapshotRequestTimeout(p).toLong(TimeUnit.MILLISECONDS)
        * GrpcConfigKeys.Server.installSnapshotRequestElementLimit(p);
    assertThat(streamTimeout).isLessThan(RaftServerConfigKeys.stagingTimeout(p).toLong(TimeUnit.MILLISECONDS) / 2);
  }

  private static RaftProperties properties() {
    return RaftSettings.of(NodeConfig.builder().address("127.0.0.1:7101").adminAddress("127.0.0.1:7201").dataDir("/tmp/x")
        .peers(List.of("127.0.0.1:7101")).build());
  }
}
