package io.sluice.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.util.List;
import org.apache.ratis.io.CorruptedFileException;
import org.apache.ratis.protocol.exceptions.ChecksumException;
import org.junit.jupiter.api.Test;

/**
 * A damaged log is told by the exception's type, never by words in a message: under
 * {@code corruptLogPolicy: rejoin} that answer wipes the node.
 */
class NodeStartExceptionTest {
  /** A data directory and a host whose names hold the words a message check would match. */
  private static final NodeConfig CONFIG = NodeConfig.builder().address("db-segment-2:7101").adminAddress("db-segment-2:7201")
      .dataDir("/srv/corrupt-checksum-segment").peers(List.of("db-segment-2:7101", "127.0.0.1:7102", "127.0.0.1:7103")).build();

  @Test
  void aChecksumOrHeaderMismatchInTheLogIsDamageAndTheMessageSaysWhatToDo() {
    NodeStartException checksum = NodeStartException.of(CONFIG,
        new IllegalStateException("Failed to initRaftLog", new ChecksumException("Log entry corrupted", 150_000)));
    NodeStartException header = NodeStartException.of(CONFIG, new CorruptedFileException(new File("log_0-9"), "Log header mismatched"));
    assertThat(checksum.damagedLog()).isTrue();
    assertThat(header.damagedLog()).isTrue();
    assertThat(checksum).hasMessageContaining("is damaged").hasMessageContaining("--rejoin").hasMessageContaining("corruptLogPolicy: rejoin");
  }

  /** An I/O error Ratis' segment reader throws itself (a torn entry, a bad length) is damage; the class is looked up by name. */
  @Test
  void aFormatErrorThrownByRatisSegmentReaderIsDamage() throws ClassNotFoundException {
    assertThat(Class.forName(NodeStartException.SEGMENT_READER)).isNotNull();
    IOException torn = new IOException("Tried to read 4 byte(s) past the limit at offset 150000");
    torn.setStackTrace(new StackTraceElement[] {new StackTraceElement(NodeStartException.SEGMENT_READER, "readEntry", null, 1)});
    assertThat(NodeStartException.of(CONFIG, new IllegalStateException("Failed to initRaftLog", torn)).damagedLog()).isTrue();
  }

  @Test
  void otherFailuresAreNotDamageWhateverTheirMessagesSay() {
    List<Throwable> others = List.of(
        new IOException("Failed to bind to address db-segment-2/127.0.0.1:7101"),
        new IllegalStateException("Failed to initRaftLog", new AccessDeniedException("/srv/corrupt-checksum-segment/raft/current/log_inprogress_0")),
        new IllegalArgumentException("raft.server.log.segment.cache.num.max = -1 < min = 0"),
        new IOException("cannot move snapshot.1_100 to snapshot.1_100.corrupt"));
    for (Throwable other : others) {
      NodeStartException e = NodeStartException.of(CONFIG, other);
      assertThat(e.damagedLog()).as("%s", other).isFalse();
      assertThat(e).hasMessageNotContaining("is damaged");
    }
  }
}
