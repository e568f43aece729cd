package io.sluice.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ClusterNamingTest {

  @Test
  void peerIdReplacesTheColonWithAnUnderscore() {
    assertThat(ClusterNaming.peerId("127.0.0.1:7101")).isEqualTo("127.0.0.1_7101");
    assertThat(ClusterNaming.peerId("node-a.example:9000")).isEqualTo("node-a.example_9000");
  }

  @Test
  void peerIdSplitsAtTheLastColon() {
    assertThat(ClusterNaming.peerId("::1:7101")).isEqualTo("::1_7101");
  }

  @ParameterizedTest
  @ValueSource(strings = {"localhost", ":7101", "localhost:", ""})
  void addressWithoutHostOrPortIsRejected(String address) {
    assertThatThrownBy(() -> ClusterNaming.peerId(address))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + address + "'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1:7101", "node_a.example:9000", "::1:7101"})
  void addressUndoesPeerId(String address) {
    assertThat(ClusterNaming.address(ClusterNaming.peerId(address))).isEqualTo(address);
  }

  @ParameterizedTest
  @ValueSource(strings = {"localhost", "_7101", "localhost_", ""})
  void peerIdWithoutHostOrPortIsRejected(String peerId) {
    assertThatThrownBy(() -> ClusterNaming.address(peerId))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + peerId + "'");
  }

  @Test
  void groupIdIsStableForOneName() {
    assertThat(ClusterNaming.groupId("prod")).isEqualTo(ClusterNaming.groupId("prod"));
    assertThat(ClusterNaming.groupId("prod"))
        .isEqualTo(UUID.nameUUIDFromBytes("sluice-cluster:prod".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }

  @Test
  void groupIdDiffersAcrossNames() {
    assertThat(ClusterNaming.groupId("prod")).isNotEqualTo(ClusterNaming.groupId("staging"));
    assertThat(ClusterNaming.groupId(ClusterNaming.DEFAULT_CLUSTER_NAME)).isNotEqualTo(ClusterNaming.groupId("Sluice"));
  }

  @Test
  void groupIdIsANameBasedUuid() {
    assertThat(ClusterNaming.groupId("x").version()).isEqualTo(3);
  }
}
