package io.sluice.node;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The node's admin HTTP endpoint: {@code /livez} (the process answers), {@code /readyz} (named checks:
 * {@link Readiness}), {@code /status} (a JSON {@link NodeStatus}), {@code /metrics} (Prometheus
 * text, {@link NodeMetrics}), and at {@code /} a status page (status.html, polling {@code /status}).
 */
final class AdminHttpServer {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String STATUS_PAGE = resource("status.html");
  /** /status waits no longer than this for the store: the pool's threads also answer /livez and /readyz. */
  private static final java.time.Duration STATUS_LOCK_WAIT = java.time.Duration.ofSeconds(2);

  private final HttpServer http;
  private final ExecutorService executor;
  private boolean started;
  private boolean stopped;
  /**
   * One digest at a time: it reads the whole store, and the pool's threads also answer /livez, which
   * an orchestrator restarts the node over. Another /status with a digest waits for it, then gives up.
   */
  private final java.util.concurrent.Semaphore digests = new java.util.concurrent.Semaphore(1);

  AdminHttpServer(String address, SluiceNode node) {
    int colon = address.lastIndexOf(':');
    try {
      this.http = HttpServer.create(new InetSocketAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1))), 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen for admin HTTP on " + address, e);
    }
    this.executor = Executors.newFixedThreadPool(4,
        new ThreadFactoryBuilder().setNameFormat("admin-http-" + node.id() + "-%d").setDaemon(true).build());
    http.setExecutor(executor);
    http.createContext("/livez", ex -> respond(ex, 200, "text/plain", "ok\n"));
    http.createContext("/readyz", ex -> {
      java.util.List<Readiness.Check> checks = Readiness.of(node);
      respond(ex, checks.stream().allMatch(Readiness.Check::passed) ? 200 : 503, "text/plain", Readiness.report(checks));
    });
    http.createContext("/status", ex -> {
      String query = ex.getRequestURI().getRawQuery();
      // The digest is asked for: it reads the whole store under its read lock, so applying waits meanwhile
      // (seconds for gigabytes), which a status poll must not cost.
      boolean digest = query != null && java.util.Arrays.asList(query.split("&")).contains("digest=true");
      if (digest && !acquire(digests)) {
        respond(ex, 503, "text/plain", "busy: another /status is computing this node's digest (it reads the whole store); try again,"
            + " or ask for /status without digest=true\n");
        return;
      }
      try {
        var status = node.status(digest, STATUS_LOCK_WAIT);
        if (status.isPresent()) {
          respond(ex, 200, "application/json", JSON.writeValueAsString(status.get()));
        } else {
          respond(ex, 503, "text/plain", "busy: the store is being replaced by a snapshot from the leader; try again\n");
        }
      } finally {
        if (digest) {
          digests.release();
        }
      }
    });
    // The status page: every path no other context takes is "/", or not found.
    http.createContext("/", ex -> {
      if (ex.getRequestURI().getPath().equals("/")) {
        respond(ex, 200, "text/html; charset=utf-8", STATUS_PAGE);
      } else {
        respond(ex, 404, "text/plain", "not found: " + ex.getRequestURI().getPath() + " (try /, /status, /metrics, /livez, /readyz)\n");
      }
    });
    http.createContext("/metrics", ex -> respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8", node.metrics().scrape()));
  }

  synchronized void start() {
    http.start();
    started = true;
  }

  /** The permit a /status with a digest holds while it computes (for tests). */
  java.util.concurrent.Semaphore digestPermit() {
    return digests;
  }

  private static boolean acquire(java.util.concurrent.Semaphore permit) {
    try {
      return permit.tryAcquire(STATUS_LOCK_WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Once; a node that stops itself and is closed meanwhile may ask twice. */
  synchronized void stop() {
    if (stopped) {
      return;
    }
    stopped = true;
    if (!started) {
      // The JDK's server releases its port only from its dispatcher thread, which start() begins: one
      // never started (the node failed to start first) would keep the port, which a rejoin in this
      // process then needs.
      http.start();
    }
    http.stop(0);
    executor.shutdownNow();
  }

  private static String resource(String name) {
    try (var in = AdminHttpServer.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("resource " + name + " is missing from the node jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void respond(HttpExchange exchange, int code, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
