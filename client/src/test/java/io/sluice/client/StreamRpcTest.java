package io.sluice.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.thirdparty.io.grpc.ManagedChannel;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.apache.ratis.thirdparty.io.netty.channel.ConnectTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

class StreamRpcTest {
  /**
   * A listening socket whose queue of connections not yet accepted is full: Linux drops further
   * connection requests, as a partition would. A call there must fail as unreachable once the connect
   * timeout passes, so that its stream resumes on another node, not wait for the call's own timeout.
   */
  @Test
  @EnabledOnOs(OS.LINUX)
  void aNodeThatNeverAnswersTheConnectionIsUnreachableBeforeTheCallTimesOut() throws Exception {
    List<Socket> queued = new ArrayList<>();
    try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      InetSocketAddress address = new InetSocketAddress(silent.getInetAddress(), silent.getLocalPort());
      assertThat(fillQueue(address, queued)).as("the listen queue fills up, and connections beyond it go unanswered").isTrue();
      ManagedChannel channel = StreamRpc.channel(address.getHostString() + ":" + address.getPort());
      try {
        var reply = StreamRpc.call(channel, "group", new byte[] {5, 0, 0, 0, 0}, StreamRpc.CALL_TIMEOUT_MS);
        assertThatThrownBy(reply::get).isInstanceOf(ExecutionException.class).satisfies(failed -> {
          Status status = Status.fromThrowable(failed.getCause());
          assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          // Not refused: given up for want of an answer.
          assertThat(status.getCause()).isInstanceOf(ConnectTimeoutException.class);
        });
      } finally {
        channel.shutdownNow();
        assertThat(channel.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
      }
    } finally {
      for (Socket socket : queued) {
        socket.close();
      }
    }
  }

  /** Connects until a connection goes unanswered; true if one did. */
  private static boolean fillQueue(InetSocketAddress address, List<Socket> queued) throws IOException {
    for (int i = 0; i < 16; i++) {
      Socket socket = new Socket();
      try {
        socket.connect(address, 500);
        queued.add(socket);
      } catch (SocketTimeoutException unanswered) {
        socket.close();
        return true;
      }
    }
    return false;
  }
}
