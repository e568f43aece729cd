package io.sluice.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A failed change-stream call: a node that did not answer or refused this call is worth resuming on
 * elsewhere; a failure every node would repeat ends the stream with a typed error that says what to do.
 */
class StreamCallFailedTest {
  private static final String NODE = "127.0.0.1:7101";

  @ParameterizedTest
  @CsvSource(delimiter = '|', textBlock = """
      UNAVAILABLE        | HOST_UNREACHABLE      | true  | node 127.0.0.1:7101 did not answer: UNAVAILABLE (described)
      CANCELLED          | HOST_UNREACHABLE      | true  | node 127.0.0.1:7101 did not answer: CANCELLED (described)
      DEADLINE_EXCEEDED  | NETWORK_TIMEOUT       | true  | node 127.0.0.1:7101 did not answer within 15000 ms
      FAILED_PRECONDITION| HOST_UNREACHABLE      | true  | node 127.0.0.1:7101 refused the call: FAILED_PRECONDITION (described)
      INTERNAL           | HOST_UNREACHABLE      | true  | node 127.0.0.1:7101 refused the call: INTERNAL (described)
      UNIMPLEMENTED      | COMMAND_NOT_FOUND     | false | node 127.0.0.1:7101 has no change-stream RPC (sluice.ChangeStreams/Command): it runs an older Sluice; upgrade the nodes before the clients
      RESOURCE_EXHAUSTED | HOST_UNREACHABLE      | true  | node 127.0.0.1:7101 refused the call: RESOURCE_EXHAUSTED (described)
      """)
  void eachStatusMapsToAnErrorThatSaysWhetherAnotherNodeIsWorthTrying(Status.Code code, ErrorCode expected, boolean retryable, String message) {
    Status status = code.toStatus().withDescription("described");
    SluiceException failure = StreamTransport.callFailed(NODE, status, status.asRuntimeException());

    assertThat(failure.errorCode()).isEqualTo(expected);
    assertThat(failure.isRetryable()).isEqualTo(retryable);
    assertThat(failure.getMessage()).contains(message).doesNotContain("Status{");
  }

  @Test
  void aReplyOverTheClientsSizeLimitEndsTheStream() {
    Status status = Status.RESOURCE_EXHAUSTED.withDescription("gRPC message exceeds maximum size 67108864: 70000000");
    SluiceException failure = StreamTransport.callFailed(NODE, status, status.asRuntimeException());

    assertThat(failure.errorCode()).isEqualTo(ErrorCode.BSON_OBJECT_TOO_LARGE);
    assertThat(failure.isRetryable()).isFalse();
    assertThat(failure.getMessage()).contains("node 127.0.0.1:7101 sent a reply larger than this client accepts",
        "exceeds maximum size 67108864");
  }
}
