package io.sluice.client;

import io.sluice.protocol.Limits;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.thirdparty.io.grpc.CallOptions;
import org.apache.ratis.thirdparty.io.grpc.Channel;
import org.apache.ratis.thirdparty.io.grpc.ClientCall;
import org.apache.ratis.thirdparty.io.grpc.ManagedChannel;
import org.apache.ratis.thirdparty.io.grpc.Metadata;
import org.apache.ratis.thirdparty.io.grpc.MethodDescriptor;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.apache.ratis.thirdparty.io.grpc.StatusRuntimeException;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyChannelBuilder;
import org.apache.ratis.thirdparty.io.netty.channel.ChannelOption;

/**
 * The wire definition of a node's change-stream commands ({@code aggregate} with {@code $changeStream},
 * {@code getMore}, {@code killCursors}): one unary gRPC method on the node's Raft port, a BSON command
 * in, its BSON reply out, each call on its own HTTP/2 stream. Shared by the client and the node; not an
 * application API.
 *
 * <p>Not through Ratis' client protocol, which suits these reads badly: it carries all of one client's
 * requests to a node on one gRPC stream that the node takes in one request at a time, each handed to
 * Ratis' client executor while gRPC's thread waits, and each reply through Ratis' reply executor. A
 * getMore needs none of Ratis: the node answers it from what it has applied.
 */
public final class StreamRpc {
  public static final String SERVICE = "sluice.ChangeStreams";

  /** A command and its reply, each the bytes of one BSON document. */
  public static final MethodDescriptor<byte[], byte[]> COMMAND = MethodDescriptor.<byte[], byte[]>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY)
      .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Command"))
      .setRequestMarshaller(Bytes.INSTANCE)
      .setResponseMarshaller(Bytes.INSTANCE)
      .build();

  /** The id of the Raft group (the cluster) the caller means: a node of another cluster refuses the call. */
  public static final Metadata.Key<String> GROUP = Metadata.Key.of("sluice-group", Metadata.ASCII_STRING_MARSHALLER);

  /** A reply holds at most a batch of events of up to 16 MiB each, as Ratis' own message limit for the client. */
  private static final int MAX_REPLY_BYTES = 2 * Limits.MAX_COMMAND_BYTES + 1024 * 1024;

  /** How long a call may take: longer than a node's longest getMore await (10 s), with room for the reply. */
  public static final long CALL_TIMEOUT_MS = 15_000;

  private StreamRpc() {}

  /** The {@link #GROUP} header's value for a cluster's Raft group. */
  public static String groupHeader(RaftGroupId group) {
    return group.getUuid().toString();
  }

  /**
   * How long a connection may take to be made. A node that is down refuses at once; one whose packets
   * vanish (a partition, a dead machine) would otherwise hold a call until its timeout, 15 s, before
   * the stream resumes elsewhere.
   */
  static final int CONNECT_TIMEOUT_MS = 2_000;

  /** A channel to the node at {@code address} (host:port); it connects on first use, and again after a connection breaks. */
  public static ManagedChannel channel(String address) {
    return NettyChannelBuilder.forTarget(address).usePlaintext().maxInboundMessageSize(MAX_REPLY_BYTES)
        .withOption(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MS).build();
  }

  /**
   * Sends one command for the Raft group {@code group} (its UUID) and completes with the reply's bytes,
   * or fails with gRPC's {@link StatusRuntimeException} (the node is down, refused the call, or did not
   * answer within {@code timeoutMs}).
   */
  public static CompletableFuture<byte[]> call(Channel channel, String group, byte[] command, long timeoutMs) {
    CompletableFuture<byte[]> reply = new CompletableFuture<>();
    ClientCall<byte[], byte[]> call = channel.newCall(COMMAND, CallOptions.DEFAULT.withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS));
    Metadata headers = new Metadata();
    headers.put(GROUP, group);
    call.start(new ClientCall.Listener<>() {
      private byte[] message;

      @Override
      public void onMessage(byte[] value) {
        message = value;
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        if (status.isOk() && message != null) {
          reply.complete(message);
        } else {
          reply.completeExceptionally((status.isOk() ? Status.INTERNAL.withDescription("no reply") : status).asRuntimeException(trailers));
        }
      }
    }, headers);
    call.request(1);
    call.sendMessage(command);
    call.halfClose();
    return reply;
  }

  private enum Bytes implements MethodDescriptor.Marshaller<byte[]> {
    INSTANCE;

    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
