package io.sluice.node.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.bson.BsonDocument;
import org.bson.BsonString;
import org.junit.jupiter.api.Test;

/** The engine benchmark measures real work: its filter matches, its update changes the document, its find finds. */
class EngineBenchmarkTest {
  private final EngineBenchmark benchmark = new EngineBenchmark();

  @Test
  void theFilterMatchesAndTheUpdateModifies() {
    EngineBenchmark.DocumentState state = new EngineBenchmark.DocumentState();
    assertThat(benchmark.filterOneDocument(state)).isTrue();
    assertThat(benchmark.updateOneDocument(state).modified()).isTrue();
    assertThat(benchmark.updateOneDocument(state).after().getString("status").getValue()).isEqualTo("shipped");
  }

  @Test
  void eachAppliedEntryUpdatesOneOfTheLoadedDocumentsAsAFirstTry() throws Exception {
    withLoaded(new EngineBenchmark.ApplyState(), state -> {
      for (int i = 0; i < 3; i++) {
        BsonDocument reply = benchmark.applyARetryableUpdate(state);
        assertThat(reply.getNumber("ok").intValue()).isEqualTo(1);
        assertThat(reply.getNumber("nModified").intValue()).as("%s", reply).isEqualTo(1);
      }
      assertThat(state.store.count("bench.c")).isEqualTo(EngineBenchmark.ApplyState.DOCUMENTS);
      assertThat(state.store.sessions().count()).isPositive();
    });
  }

  @Test
  void eachAppliedEntryOfTheInsertLoadInsertsANewDocument() throws Exception {
    withLoaded(new EngineBenchmark.InsertState(), state -> {
      for (int i = 1; i <= 3; i++) {
        BsonDocument reply = benchmark.applyARetryableInsert(state);
        assertThat(reply.getNumber("ok").intValue()).as("%s", reply).isEqualTo(1);
        assertThat(reply.getNumber("n").intValue()).as("%s", reply).isEqualTo(1);
        assertThat(state.store.count("bench.c")).isEqualTo(EngineBenchmark.ApplyState.DOCUMENTS + i);
      }
    });
  }

  /** Opens {@code state}, checks that its documents are loaded, runs {@code test} on it, and closes it. */
  private static <S extends EngineBenchmark.ApplyState> void withLoaded(S state, ApplyTest<S> test) throws Exception {
    state.open();
    try {
      assertThat(state.store.count("bench.c")).isEqualTo(EngineBenchmark.ApplyState.DOCUMENTS);
      test.run(state);
    } finally {
      state.close();
    }
  }

  private interface ApplyTest<S> {
    void run(S state) throws Exception;
  }

  @Test
  void eachFindReturnsOneStoredDocument() throws Exception {
    EngineBenchmark.StoreState store = new EngineBenchmark.StoreState();
    store.documents = 1_000;
    store.load();
    try {
      for (int i = 0; i < 3; i++) {
        BsonDocument reply = benchmark.findByIdAmongAMillion(store);
        assertThat(reply.getDocument("cursor").getArray("firstBatch")).hasSize(1);
        BsonDocument byIndex = benchmark.findByIndexedFieldAmongAMillion(store);
        assertThat(byIndex.getDocument("cursor").getArray("firstBatch")).hasSize(1);
      }
      // The indexed find looks at its one document only: no scan.
      BsonDocument explain = store.reads.execute(new BsonDocument("explain", store.findCommand(true)).append("$db", new BsonString("shop")));
      assertThat(explain.getDocument("executionStats").getInt64("totalDocsExamined").getValue()).isEqualTo(1);
      assertThat(explain.getDocument("queryPlanner").getDocument("winningPlan").getDocument("inputStage").getString("indexName").getValue())
          .isEqualTo("orderNo_1");
    } finally {
      store.close();
    }
  }
}
