package io.sluice.chaos.workload;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Updates.set;

import com.mongodb.client.model.UpdateOptions;
import io.sluice.chaos.cluster.ClientPool;
import io.sluice.chaos.history.History;
import io.sluice.chaos.history.Op;
import io.sluice.chaos.history.OpType;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceCollection;
import io.sluice.client.WriteResult;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.bson.Document;

/**
 * Per-document registers: processes read (linearizable), write (upsert) and compare-and-set
 * small values on a few keys at a time, so that a linearizability checker has real contention to search.
 * After an operation with an unknown outcome a process continues under a new process number, as
 * in Jepsen: the old one may still be in flight.
 */
public final class RegisterWorkload implements AutoCloseable {
  static final String COLLECTION = "registers";
  private static final int VALUES = 5;
  /**
   * Operations per key before the workload moves on to fresh keys (as Jepsen's independent keys do):
   * with few values and unknown outcomes, a checker's search grows steeply with a key's history.
   */
  private static final int OPS_PER_KEY = 300;

  private final SluiceClient[] clients;
  private final SluiceCollection[] registers;
  private final History history;
  private final int keys;
  private final AtomicLong operations = new AtomicLong();
  private final Random[] randoms;
  private final int[] processIds;
  private final Workers workers;

  public RegisterWorkload(ClientPool clients, History history, int processes, int keys, long seed) {
    this.clients = new SluiceClient[processes];
    this.registers = new SluiceCollection[processes];
    this.history = history;
    this.keys = keys;
    this.randoms = new Random[processes];
    this.processIds = new int[processes];
    for (int i = 0; i < processes; i++) {
      this.clients[i] = clients.newClient();
      registers[i] = this.clients[i].getDatabase("chaos").getCollection(COLLECTION);
      randoms[i] = new Random(seed * 31 + i);
      processIds[i] = i;
    }
    this.workers = new Workers("register", processes, this::step);
  }

  private void step(int worker) {
    Random random = randoms[worker];
    long generation = operations.getAndIncrement() / ((long) OPS_PER_KEY * keys);
    String key = "r" + generation + "-" + random.nextInt(keys);
    int process = processIds[worker];
    switch (random.nextInt(3)) {
      case 0 -> read(worker, process, key);
      case 1 -> write(worker, process, key, random.nextInt(VALUES));
      default -> cas(worker, process, key, random.nextInt(VALUES), random.nextInt(VALUES));
    }
  }

  private void read(int worker, int process, String key) {
    Op invoke = history.invoke(process, Op.READ, key, List.of(), ClientNodes.target(clients[worker]));
    try {
      Document d = registers[worker].find(eq("_id", key)).first();
      List<Long> value = d == null ? List.of() : List.of(d.get("v", Number.class).longValue());
      history.complete(invoke, OpType.OK, value, ClientNodes.answered(clients[worker]), null, null);
    } catch (RuntimeException e) {
      // A read changes nothing: whatever happened to it, it had no effect.
      history.complete(invoke, OpType.FAIL, List.of(), ClientNodes.target(clients[worker]), null, Outcomes.describe(e));
    }
  }

  private void write(int worker, int process, String key, long value) {
    Op invoke = history.invoke(process, Op.WRITE, key, List.of(value), ClientNodes.target(clients[worker]));
    try {
      WriteResult r = registers[worker].updateOne(eq("_id", key), set("v", value), new UpdateOptions().upsert(true));
      history.complete(invoke, OpType.OK, List.of(value), ClientNodes.answered(clients[worker]), r.position().index(), null);
    } catch (RuntimeException e) {
      failed(worker, invoke, e);
    }
  }

  private void cas(int worker, int process, String key, long expected, long value) {
    Op invoke = history.invoke(process, Op.CAS, key, List.of(expected, value), ClientNodes.target(clients[worker]));
    try {
      WriteResult r = registers[worker].updateOne(and(eq("_id", key), eq("v", expected)), set("v", value));
      boolean applied = r.matchedCount() == 1;
      history.complete(invoke, applied ? OpType.OK : OpType.FAIL, List.of(expected, value), ClientNodes.answered(clients[worker]),
          r.position().index(), applied ? null : "the register did not hold " + expected);
    } catch (RuntimeException e) {
      failed(worker, invoke, e);
    }
  }

  private void failed(int worker, Op invoke, RuntimeException e) {
    OpType type = Outcomes.ofWriteFailure(e);
    history.complete(invoke, type, invoke.value(), ClientNodes.target(clients[worker]), null, Outcomes.describe(e));
    if (type == OpType.INFO) {
      processIds[worker] += randoms.length;
    }
  }


  @Override
  public void close() {
    workers.close();
  }
}
