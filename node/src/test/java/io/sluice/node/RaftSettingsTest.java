package io.sluice.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.IntStream;
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
}
