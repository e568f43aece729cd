package io.sluice.node;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import io.sluice.client.StreamRpc;
import io.sluice.statemachine.SluiceStateMachine;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.function.BooleanSupplier;
import org.apache.ratis.grpc.server.GrpcServices;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.thirdparty.io.grpc.Metadata;
import org.apache.ratis.thirdparty.io.grpc.ServerCall;
import org.apache.ratis.thirdparty.io.grpc.ServerCallExecutorSupplier;
import org.apache.ratis.thirdparty.io.grpc.ServerCallHandler;
import org.apache.ratis.thirdparty.io.grpc.ServerInterceptor;
import org.apache.ratis.thirdparty.io.grpc.ServerInterceptors;
import org.apache.ratis.thirdparty.io.grpc.ServerServiceDefinition;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.apache.ratis.thirdparty.io.grpc.stub.ServerCalls;
import org.apache.ratis.thirdparty.io.grpc.stub.StreamObserver;

/**
 * Serves {@link StreamRpc} on the node's Raft port: each command is a read that the state machine
 * answers from what this node has applied, as Ratis' stale reads were answered, without Ratis' client
 * protocol (see {@link StreamRpc} for why). Added to Ratis' gRPC server through its services
 * customizer. Like Ratis, it refuses calls while the node's Raft server is not running (starting,
 * joining as a voter, stopping), and calls meant for another cluster; the client then resumes the
 * stream on another node.
 *
 * <p>Its calls run on a few threads of their own, not on gRPC's default executor, which starts a
 * thread for every call that blocks: an open from a start time or from a token older than the
 * in-memory tail, or a getMore's first read of a stream behind that tail, reads the store under its
 * read lock, and while a snapshot from the leader is installed (write lock held) thousands of streams
 * would park thousands of threads. Here they wait in a queue instead; a call whose client gave up
 * meanwhile is dropped when its turn comes (gRPC runs no handler for a cancelled call).
 */
final class StreamCommandService implements AutoCloseable {
  /** Enough threads to keep both cores busy while some calls wait for the store's lock. */
  static final int THREADS = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());

  private final ServerServiceDefinition service;
  private final ThreadPoolExecutor calls = (ThreadPoolExecutor) Executors.newFixedThreadPool(THREADS,
      new ThreadFactoryBuilder().setNameFormat("stream-call-%d").setDaemon(true).build());

  StreamCommandService(RaftGroupId group, SluiceStateMachine stateMachine, BooleanSupplier running) {
    this.service = ServerInterceptors.intercept(ServerServiceDefinition.builder(StreamRpc.SERVICE)
        .addMethod(StreamRpc.COMMAND, ServerCalls.asyncUnaryCall((command, reply) -> answer(command, reply, stateMachine, running)))
        .build(), sameGroup(StreamRpc.groupHeader(group)));
  }

  /** Adds the service to the gRPC server that carries Ratis' client protocol, its calls on this service's threads. */
  GrpcServices.Customizer customizer() {
    return (builder, types) -> types.contains(GrpcServices.Type.CLIENT)
        ? builder.addService(service).callExecutor(new ServerCallExecutorSupplier() {
            @Override
            public <Q, A> Executor getExecutor(ServerCall<Q, A> call, Metadata headers) {
              // null: Ratis' own calls keep gRPC's default executor
              return call.getMethodDescriptor().getFullMethodName().equals(StreamRpc.COMMAND.getFullMethodName()) ? calls : null;
            }
          })
        : builder;
  }

  /** Calls that arrived and wait for a thread. */
  int callsWaiting() {
    return calls.getQueue().size();
  }

  /** Stops the threads; call it once the gRPC server is closed. */
  @Override
  public void close() {
    calls.shutdownNow();
  }

  private static void answer(byte[] command, StreamObserver<byte[]> reply, SluiceStateMachine stateMachine, BooleanSupplier running) {
    if (!running.getAsBoolean()) {
      reply.onError(Status.UNAVAILABLE.withDescription("the node is not serving: its Raft server is not running").asRuntimeException());
      return;
    }
    CompletableFuture<Message> answered;
    try {
      answered = stateMachine.query(Message.valueOf(UnsafeByteOperations.unsafeWrap(command)));
    } catch (RuntimeException e) {
      answered = CompletableFuture.failedFuture(e); // the call fails, named, rather than gRPC's UNKNOWN
    }
    answered.whenComplete((answer, failure) -> {
      if (failure != null) {
        reply.onError(Status.INTERNAL.withDescription("the node failed to answer: " + failure).asRuntimeException());
      } else {
        reply.onNext(answer.getContent().toByteArray());
        reply.onCompleted();
      }
    });
  }

  /** Refuses a call whose {@link StreamRpc#GROUP} header names another Raft group (another cluster). */
  private static ServerInterceptor sameGroup(String group) {
    return new ServerInterceptor() {
      @Override
      public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        String asked = headers.get(StreamRpc.GROUP);
        if (group.equals(asked)) {
          return next.startCall(call, headers);
        }
        call.close(Status.FAILED_PRECONDITION.withDescription("this node serves Raft group " + group + ", not " + asked
            + ": is the connection string's cluster name this node's?"), new Metadata());
        return new ServerCall.Listener<>() {};
      }
    };
  }
}
