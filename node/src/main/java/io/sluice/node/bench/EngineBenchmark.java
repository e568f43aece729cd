package io.sluice.node.bench;

import io.sluice.protocol.Position;
import io.sluice.statemachine.EntryApplier;
import io.sluice.statemachine.changestream.ChangeHub;
import io.sluice.statemachine.changestream.HistoryWindow;
import io.sluice.statemachine.command.QueryExecutor;
import io.sluice.statemachine.engine.Filter;
import io.sluice.statemachine.engine.Update;
import io.sluice.statemachine.storage.IndexSpec;
import io.sluice.statemachine.storage.MapDbDocumentStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The document engine, measured with JMH ({@code ./sluice bench engine}): a filter and an update on
 * one order-like document, a {@code find} by {@code _id} and one by a field with a secondary index
 * (a unique order number), through the engine and a file-backed store of {@link StoreState#documents}
 * documents, and the apply path of one write ({@link ApplyState}).
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class EngineBenchmark {
  private static final BsonDocument ORDER = BsonDocument.parse("{_id: 42, customer: {name: 'Ann', city: 'Oslo'}, status: 'paid',"
      + " total: 129.5, items: [{sku: 'x1', qty: 1, price: 9.5}, {sku: 'x3', qty: 2, price: 60}], tags: ['gift', 'eu']}");

  /** One document, one compiled filter, one compiled update. */
  @State(Scope.Benchmark)
  public static class DocumentState {
    final BsonDocument order = ORDER.clone();
    final Filter filter = Filter.compile(BsonDocument.parse(
        "{status: {$in: ['paid', 'shipped']}, total: {$gt: 100}, 'items.sku': 'x3', 'customer.city': {$regex: '^os', $options: 'i'}}"));
    final Update update = Update.compile(BsonDocument.parse("{$set: {status: 'shipped'}, $inc: {total: 1}, $push: {tags: 'late'}}"));
  }

  /** A collection of {@code documents} orders in a MapDB store on disk, and a query executor over it. */
  @State(Scope.Benchmark)
  public static class StoreState {
    @Param("1000000")
    int documents;

    Path dir;
    MapDbDocumentStore store;
    QueryExecutor reads;
    int next;

    @Setup(Level.Trial)
    public void load() throws Exception {
      dir = Files.createTempDirectory("sluice-engine-bench");
      store = MapDbDocumentStore.open(dir);
      store.createCollection("shop.orders", new BsonDocument());
      store.createIndex("shop.orders", new IndexSpec("orderNo_1", new BsonDocument("orderNo", new BsonInt32(1)), true, false));
      for (int i = 0; i < documents; i++) {
        BsonDocument doc = ORDER.clone();
        doc.put("_id", new BsonInt32(i));
        doc.put("orderNo", orderNo(i));
        doc.put("status", new BsonString(i % 3 == 0 ? "paid" : "shipped"));
        store.put("shop.orders", doc);
      }
      reads = new QueryExecutor(store);
    }

    /** A different document each time, spread over the whole collection, by {@code _id} or by order number. */
    BsonDocument findCommand(boolean byOrderNo) {
      next = (next + 7_919) % documents;
      BsonDocument filter = byOrderNo ? new BsonDocument("orderNo", orderNo(next)) : new BsonDocument("_id", new BsonInt32(next));
      return new BsonDocument("find", new BsonString("orders")).append("$db", new BsonString("shop")).append("filter", filter);
    }

    private static BsonString orderNo(int i) {
      return new BsonString(String.format("SO-%08d", i));
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
      store.close();
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  /**
   * A node's apply path without Raft: an {@link EntryApplier} on a file-backed store of 10,000
   * documents, each operation one log entry of {@link SteadyEntries} (a retryable {@code $set} of a
   * 200-byte value), with the session table, change history and change hub a node has. Sessions are
   * kept 10 s of entry time, so each entry also expires one, as on a busy node. With JMH's GC profiler
   * ({@code bench engine} adds it), {@code gc.alloc.rate.norm} is the bytes allocated per applied
   * entry, building the entry included.
   */
  @State(Scope.Benchmark)
  public static class ApplyState {
    static final int DOCUMENTS = 10_000;

    Path dir;
    MapDbDocumentStore store;
    EntryApplier applier;
    final SteadyEntries entries;
    int index;

    public ApplyState() {
      this(DOCUMENTS);
    }

    /** {@code documentsInserted}: how many entries insert a document before the updates begin. */
    ApplyState(int documentsInserted) {
      entries = new SteadyEntries(documentsInserted);
    }

    @Setup(Level.Trial)
    public void open() throws Exception {
      dir = Files.createTempDirectory("sluice-apply-bench");
      store = MapDbDocumentStore.open(dir);
      applier = new EntryApplier(store, new HistoryWindow(10_000, 1L << 30, Optional.empty()),
          new ChangeHub(0, 1_000, 1L << 20, Runnable::run), Duration.ofSeconds(10));
      while (index < DOCUMENTS) {
        applyNext();
      }
    }

    BsonDocument applyNext() {
      index++;
      return applier.apply(new Position(1, index), entries.entry(index));
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
      store.close();
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  /** {@link ApplyState}, but every entry after the first 10,000 inserts a new document (the next {@code _id}), as half of {@code bench write}'s do. */
  @State(Scope.Benchmark)
  public static class InsertState extends ApplyState {
    public InsertState() {
      super(Integer.MAX_VALUE);
    }
  }

  @Benchmark
  public BsonDocument applyARetryableUpdate(ApplyState state) {
    return state.applyNext();
  }

  @Benchmark
  public BsonDocument applyARetryableInsert(InsertState state) {
    return state.applyNext();
  }

  @Benchmark
  public boolean filterOneDocument(DocumentState state) {
    return state.filter.matches(state.order);
  }

  @Benchmark
  public Update.UpdateOutcome updateOneDocument(DocumentState state) {
    return state.update.apply(state.order);
  }

  @Benchmark
  public BsonDocument findByIdAmongAMillion(StoreState state) {
    return state.reads.execute(state.findCommand(false));
  }

  @Benchmark
  public BsonDocument findByIndexedFieldAmongAMillion(StoreState state) {
    return state.reads.execute(state.findCommand(true));
  }
}
