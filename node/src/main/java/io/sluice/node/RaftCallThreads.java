package io.sluice.node;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.ratis.grpc.server.GrpcServices;

/**
 * The threads on which the node's gRPC server runs Ratis' own calls (clients' requests, the leader's
 * appends, votes, snapshot chunks) instead of gRPC's default executor. That one is a cached pool: it
 * hands every call to a thread parked on a {@code SynchronousQueue}, and a profile of 64 writes in
 * flight put 14% of the machine's CPU in its threads parking and being woken. A few threads behind a
 * queue take the next call without parking while calls keep coming: 1.20 × the writes at the median
 * of 5 alternating pairs (README, *Ratis' calls on a pool of their own*).
 *
 * <p>Ratis' handlers block a thread only briefly and never for another call to this server: a client
 * request until Ratis' own client executor has taken it, a snapshot chunk while it is written; the
 * rest return futures.
 */
public final class RaftCallThreads implements AutoCloseable {
  /** As many as the stream calls get: enough to keep both cores busy while some calls block briefly. */
  static final int THREADS = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());

  private final ExecutorService threads;

  /** @param node the node's id, which names the threads */
  public RaftCallThreads(String node) {
    this.threads = Executors.newFixedThreadPool(THREADS,
        new ThreadFactoryBuilder().setNameFormat(threadNamePrefix(node) + "%d").setDaemon(true).build());
  }

  static String threadNamePrefix(String node) {
    return "raft-call-" + node + "-";
  }

  /** {@code services}, its server's calls on these threads unless it picks others for a call. */
  public GrpcServices.Customizer around(GrpcServices.Customizer services) {
    return (builder, types) -> services.customize(builder.executor(threads), types);
  }

  /** Stops the threads; call it once the gRPC server is closed. */
  @Override
  public void close() {
    threads.shutdownNow();
  }
}
