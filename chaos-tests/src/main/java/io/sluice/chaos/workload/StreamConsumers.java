package io.sluice.chaos.workload;

import io.sluice.chaos.cluster.ClientPool;
import io.sluice.chaos.history.History;
import io.sluice.chaos.history.StreamRecord.Kind;
import io.sluice.client.ChangeStreamCursor;
import io.sluice.client.ChangeStreamDocument;
import io.sluice.client.ChangeStreamIterable;
import io.sluice.client.SluiceClient;
import io.sluice.protocol.ResumeToken;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Change-stream consumers of the set workload's collection, each starting on its own node. Every
 * event, every advance of the resume token and every resume is recorded. A consumer resumes after
 * its last token on another node whenever its stream fails, and now and then hops to another node
 * on its own, as an application moving between servers would.
 */
public final class StreamConsumers implements AutoCloseable {
  private static final long HOP_EVERY_STEPS = 40;

  private final History history;
  private final List<String> nodes;
  private final Consumer[] consumers;
  private final Workers workers;

  public StreamConsumers(ClientPool clients, History history, List<String> nodes, int count, long seed) {
    this.history = history;
    this.nodes = List.copyOf(nodes);
    this.consumers = new Consumer[count];
    for (int i = 0; i < count; i++) {
      consumers[i] = new Consumer(i, clients.newClient(), new Random(seed * 17 + i));
      consumers[i].open(this.nodes.get(i % this.nodes.size()));
    }
    this.workers = new Workers("stream", count, i -> consumers[i].step());
  }

  /** The address of the node serving consumer {@code i} now, or null between nodes. */
  public String servingNode(int i) {
    return consumers[i].node;
  }

  /** Consumer {@code i}'s last resume token: everything up to it was delivered. */
  public ResumeToken position(int i) {
    return consumers[i].lastToken;
  }

  public int size() {
    return consumers.length;
  }

  @Override
  public void close() {
    workers.close();
    for (Consumer c : consumers) {
      c.closeCursor();
    }
  }

  private final class Consumer {
    private final int id;
    private final SluiceClient client;
    private final Random random;
    private ChangeStreamCursor<ChangeStreamDocument> cursor;
    private volatile String node;
    /** The node served from last, so that a reopen goes elsewhere. */
    private String lastNode;
    private volatile ResumeToken lastToken;
    private String pendingResumeReason;

    Consumer(int id, SluiceClient client, Random random) {
      this.id = id;
      this.client = client;
      this.random = random;
    }

    /** The first open: waits for the first reply, whose high-water mark is where the stream starts. */
    void open(String address) {
      cursor = watch(address).cursor();
      while (cursor.getResumeToken() == null) {
        if (cursor.tryNext() != null) {
          throw new IllegalStateException("stream consumers must start before the writes");
        }
      }
      node = address;
      lastToken = cursor.getResumeToken();
      history.stream(id, Kind.OPEN, node, lastToken.toHex(), null, null);
    }

    void step() {
      if (cursor == null && !reopen()) {
        return;
      }
      try {
        ChangeStreamDocument event = cursor.tryNext();
        String serving = cursor.servingNode();
        if (!serving.equals(node)) {
          // The client resumed the stream on another node by itself, after lastToken.
          history.stream(id, Kind.RESUME, serving, lastToken.toHex(), null, "the client failed over from " + node);
          node = serving;
        }
        if (event != null) {
          long value = event.getDocumentKey().getNumber("_id").longValue();
          history.stream(id, Kind.EVENT, node, event.getResumeToken().toHex(), value, null);
        }
        ResumeToken token = cursor.getResumeToken();
        if (!Objects.equals(token, lastToken) && (event == null || !token.equals(event.getResumeToken()))) {
          history.stream(id, Kind.PROGRESS, node, token.toHex(), null, null);
        }
        lastToken = token;
        if (random.nextLong(HOP_EVERY_STEPS) == 0) {
          closeCursor();
          pendingResumeReason = "hop";
        }
      } catch (RuntimeException e) {
        closeCursor();
        pendingResumeReason = Outcomes.describe(e);
      }
    }

    /** Opens the stream after lastToken on a node other than the last one; false if that failed. */
    private boolean reopen() {
      String target = otherNode();
      try {
        cursor = watch(target).resumeAfter(lastToken).cursor();
        node = cursor.servingNode();
        history.stream(id, Kind.RESUME, node, lastToken.toHex(), null, pendingResumeReason);
        return true;
      } catch (RuntimeException e) {
        pendingResumeReason = Outcomes.describe(e);
        // Every node may be down for a moment: do not spin.
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
        return false;
      }
    }

    private String otherNode() {
      String target;
      do {
        target = nodes.get(random.nextInt(nodes.size()));
      } while (target.equals(lastNode) && nodes.size() > 1);
      return target;
    }

    private ChangeStreamIterable watch(String address) {
      return client.getDatabase(SetWorkload.DATABASE).getCollection(SetWorkload.COLLECTION).watch()
          .onNode(address).maxAwaitTime(100, TimeUnit.MILLISECONDS).batchSize(50);
    }

    void closeCursor() {
      if (cursor != null) {
        try {
          cursor.close();
        } catch (RuntimeException e) {
          // The node may be gone; the cursor is dropped either way.
        }
        cursor = null;
        lastNode = node;
        node = null;
      }
    }
  }
}
