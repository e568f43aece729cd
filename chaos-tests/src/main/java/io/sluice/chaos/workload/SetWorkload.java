package io.sluice.chaos.workload;

import io.sluice.chaos.cluster.ClientPool;
import io.sluice.chaos.history.History;
import io.sluice.chaos.history.Op;
import io.sluice.chaos.history.OpType;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceCollection;
import io.sluice.client.WriteResult;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bson.Document;

/**
 * A grow-only set: processes insert documents with unique {@code _id}s into one collection; after
 * the faults, one linearizable read of everything. Its inserts are also what the change-stream
 * consumers must see, each exactly once, in log order.
 */
public final class SetWorkload implements AutoCloseable {
  public static final String DATABASE = "chaos";
  public static final String COLLECTION = "set";

  private final SluiceClient[] clients;
  private final SluiceCollection[] sets;
  private final History history;
  private final AtomicLong nextValue = new AtomicLong();
  private final int[] processIds;
  private final Workers workers;

  public SetWorkload(ClientPool clients, History history, int processes, int firstProcess) {
    this.clients = new SluiceClient[processes + 1];
    this.sets = new SluiceCollection[processes + 1];
    this.history = history;
    this.processIds = new int[processes];
    for (int i = 0; i < processes; i++) {
      processIds[i] = firstProcess + i;
    }
    for (int i = 0; i <= processes; i++) {
      this.clients[i] = clients.newClient();
      sets[i] = this.clients[i].getDatabase(DATABASE).getCollection(COLLECTION);
    }
    this.workers = new Workers("set", processes, this::add);
  }

  private void add(int worker) {
    long value = nextValue.getAndIncrement();
    Op invoke = history.invoke(processIds[worker], Op.ADD, COLLECTION, List.of(value), ClientNodes.target(clients[worker]));
    try {
      WriteResult r = sets[worker].insertOne(new Document("_id", value));
      history.complete(invoke, OpType.OK, List.of(value), ClientNodes.answered(clients[worker]), r.position().index(), null);
    } catch (RuntimeException e) {
      OpType type = Outcomes.ofWriteFailure(e);
      history.complete(invoke, type, List.of(value), ClientNodes.target(clients[worker]), null, Outcomes.describe(e));
      if (type == OpType.INFO) {
        processIds[worker] += 1000;
      }
    }
  }

  /** Stops adding and waits for the processes. */
  @Override
  public void close() {
    workers.close();
  }

  /** The final read, recorded as {@code read-all}; call once the cluster is healthy again. */
  public List<Long> readAll(int process) {
    int reader = sets.length - 1;
    Op invoke = history.invoke(process, Op.READ_ALL, COLLECTION, List.of(), ClientNodes.target(clients[reader]));
    List<Long> values = new ArrayList<>();
    // A client of its own: it has seen none of the workload's writes, so only linearizability helps.
    for (Document d : sets[reader].find()) {
      values.add(d.get("_id", Number.class).longValue());
    }
    history.complete(invoke, OpType.OK, values, ClientNodes.answered(clients[reader]), null, null);
    return values;
  }
}
