package io.sluice.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.apache.ratis.protocol.RaftPeerId;
import org.junit.jupiter.api.Test;

class ResumeOrderTest {
  private static final RaftPeerId A = RaftPeerId.valueOf("a");
  private static final RaftPeerId B = RaftPeerId.valueOf("b");
  private static final RaftPeerId C = RaftPeerId.valueOf("c");
  private static final RaftPeerId D = RaftPeerId.valueOf("d");
  private static final List<RaftPeerId> NODES = List.of(A, B, C, D);

  @Test
  void theOtherFollowersComeInTurnAfterTheFailedNodeThenTheLeaderThenTheFailedNode() {
    assertThat(StreamTransport.resumeOrder(NODES, B, Optional.of(C))).containsExactly(D, A, C, B);
    assertThat(StreamTransport.resumeOrder(NODES, D, Optional.of(A))).containsExactly(B, C, A, D);
  }

  @Test
  void withNoLeaderKnownOrTheLeaderFailedTheNodesComeInTurn() {
    assertThat(StreamTransport.resumeOrder(NODES, B, Optional.empty())).containsExactly(C, D, A, B);
    assertThat(StreamTransport.resumeOrder(NODES, B, Optional.of(B))).containsExactly(C, D, A, B);
  }

  @Test
  void aLeaderOutsideTheConnectionChangesNothing() {
    assertThat(StreamTransport.resumeOrder(NODES, A, Optional.of(RaftPeerId.valueOf("z")))).containsExactly(B, C, D, A);
  }
}
