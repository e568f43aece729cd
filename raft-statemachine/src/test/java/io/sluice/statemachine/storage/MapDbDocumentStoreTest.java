package io.sluice.statemachine.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.protocol.Position;
import io.sluice.statemachine.engine.KeyRanges;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MapDbDocumentStoreTest {
  private static final String NS = "db.c";
  private static final byte[] ONE_SESSION = java.nio.ByteBuffer.allocate(16).putLong(1).putLong(1).array();

  @TempDir
  Path dir;

  private final List<MapDbDocumentStore> opened = new ArrayList<>();

  @AfterEach
  void closeAll() {
    opened.forEach(MapDbDocumentStore::close);
  }

  private MapDbDocumentStore open() {
    MapDbDocumentStore store = MapDbDocumentStore.open(dir.resolve("store"));
    opened.add(store);
    return store;
  }

  private MapDbDocumentStore memory() {
    MapDbDocumentStore store = MapDbDocumentStore.inMemory();
    opened.add(store);
    return store;
  }

  private static BsonDocument doc(String json) {
    return BsonDocument.parse(json);
  }

  private static BsonValue val(String json) {
    return doc("{v: " + json + "}").get("v");
  }

  private static List<BsonDocument> scanAll(DocumentStore store, String ns) {
    List<BsonDocument> out = new ArrayList<>();
    store.scan(ns).forEachRemaining(out::add);
    return out;
  }

  private static AppliedState state(long term, long index) {
    return new AppliedState(new Position(term, index), new BsonTimestamp(1000 + (int) index, 1));
  }

  @Test
  void putThenFindReturnsTheDocument() {
    MapDbDocumentStore store = memory();
    store.createCollection(NS, new BsonDocument());
    store.put(NS, doc("{_id: 1, a: 'x'}"));
    assertThat(store.find(NS, val("1"))).contains(doc("{_id: 1, a: 'x'}"));
    assertThat(store.find(NS, val("2"))).isEmpty();
  }

  @Test
  void putWithSameIdReplaces() {
    MapDbDocumentStore store = memory();
    store.createCollection(NS, new BsonDocument());
    store.put(NS, doc("{_id: 'k', v: 1}"));
    store.put(NS, doc("{_id: 'k', v: 2}"));
    assertThat(store.count(NS)).isEqualTo(1);
    assertThat(store.find(NS, val("'k'"))).contains(doc("{_id: 'k', v: 2}"));
  }

  @Test
  void insertAddsOnlyADocumentWhoseIdIsNew() {
    MapDbDocumentStore store = memory();
    store.createCollection(NS, new BsonDocument());
    assertThat(store.insert(NS, doc("{_id: 'k', v: 1}"))).isTrue();
    assertThat(store.insert(NS, doc("{_id: 'k', v: 2}"))).isFalse();
    assertThat(store.find(NS, val("'k'"))).contains(doc("{_id: 'k', v: 1}"));
    assertThat(store.count(NS)).isEqualTo(1);
  }

  @Test
  void insertWithAnIndexChecksTheIdFirstAndIndexesWhatItAdds() {
    MapDbDocumentStore store = memory();
    store.createCollection(NS, new BsonDocument());
    store.createIndex(NS, new IndexSpec("a_1", doc("{a: 1}"), true, false));
    assertThat(store.insert(NS, doc("{_id: 1, a: 'x'}"))).isTrue();

    assertThat(store.insert(NS, doc("{_id: 1, a: 'y'}"))).as("same _id, other key").isFalse();
    assertThatThrownBy(() -> store.insert(NS, doc("{_id: 2, a: 'x'}"))).hasMessageContaining("E11000");
    assertThat(store.insert(NS, doc("{_id: 3, a: 'z'}"))).isTrue();
    assertThat(store.insert(NS, doc("{_id: 1, a: 'z'}"))).as("same _id, and a key another document holds").isFalse();

    assertThat(store.count(NS)).isEqualTo(2);
    List<BsonDocument> indexed = new ArrayList<>();
    store.scanIndex(NS, "a_1", List.of(new KeyRanges.Range(val("'a'"), val("'zz'")))).forEachRemaining(indexed::add);
    assertThat(indexed).containsExactly(doc("{_id: 1, a: 'x'}"), doc("{_id: 3, a: 'z'}"));
  }

  @Test
  void putIntoMissingCollectionFails() {
    MapDbDocumentStore store = memory();
    assertThatThrownBy(() -> store.put("db.none", doc("{_id: 1}")))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("db.none");
  }

  @Test
  void missingCollectionReadsAsEmpty() {
    MapDbDocumentStore store = memory();
    assertThat(store.find("db.none", val("1"))).isEmpty();
    assertThat(store.count("db.none")).isZero();
    assertThat(store.scan("db.none").hasNext()).isFalse();
    assertThat(store.remove("db.none", val("1"))).isFalse();
    assertThat(store.collectionExists("db.none")).isFalse();
  }

  @Test
  void removeReportsWhetherADocumentWasThere() {
    MapDbDocumentStore store = memory();
    store.createCollection(NS, new BsonDocument());
    store.put(NS, doc("{_id: 1}"));
    assertThat(store.remove(NS, val("1"))).isTrue();
    assertThat(store.remove(NS, val("1"))).isFalse();
    assertThat(store.find(NS, val("1"))).isEmpty();
    assertThat(store.count(NS)).isZero();
  }

  @Test
  void scanReturnsDocumentsInKeyOrderWhateverTheInsertOrder() {
    MapDbDocumentStore store = memory();
    store.createCollection(NS, new BsonDocument());
    for (String id : List.of("c", "a", "d", "b")) {
      store.put(NS, doc("{_id: '" + id + "'}"));
    }
    assertThat(scanAll(store, NS)).extracting(d -> d.getString("_id").getValue()).containsExactly("a", "b", "c", "d");
    assertThat(store.count(NS)).isEqualTo(4);
  }

  @Test
  void scanOrderIsTheSameForTwoStoresFilledInDifferentOrders() {
    MapDbDocumentStore one = memory();
    MapDbDocumentStore two = memory();
    List<String> ids = List.of("3", "'x'", "{a: 1}", "-7", "2.5", "'abc'", "[1, 2]", "true", "100000");
    one.createCollection(NS, new BsonDocument());
    two.createCollection(NS, new BsonDocument());
    for (int i = 0; i < ids.size(); i++) {
      one.put(NS, doc("{_id: " + ids.get(i) + "}"));
      two.put(NS, doc("{_id: " + ids.get(ids.size() - 1 - i) + "}"));
    }
    assertThat(scanAll(one, NS)).hasSize(ids.size()).isEqualTo(scanAll(two, NS));
  }

  @Test
  void collectionsAreListedByNameWithOptions() {
    MapDbDocumentStore store = memory();
    store.createCollection("db.b", doc("{x: 1}"));
    store.createCollection("db.a", new BsonDocument());
    assertThat(store.collections().keySet()).containsExactly("db.a", "db.b");
    assertThat(store.collections().get("db.b")).isEqualTo(doc("{x: 1}"));
  }

  @Test
  void dropCollectionRemovesItsDocumentsAndRecreatingStartsEmpty() {
    MapDbDocumentStore store = memory();
    store.createCollection(NS, new BsonDocument());
    store.createCollection("db.other", new BsonDocument());
    store.put(NS, doc("{_id: 1}"));
    store.put("db.other", doc("{_id: 1}"));
    store.dropCollection(NS);
    assertThat(store.collectionExists(NS)).isFalse();
    assertThat(store.count(NS)).isZero();
    store.createCollection(NS, new BsonDocument());
    assertThat(store.count(NS)).isZero();
    assertThat(store.find(NS, val("1"))).isEmpty();
    assertThat(store.count("db.other")).isEqualTo(1);
    store.dropCollection("db.never"); // no-op
    assertThat(store.collections().keySet()).containsExactly(NS, "db.other");
  }

  @Test
  void freshStoreIsAtTheInitialAppliedState() {
    assertThat(open().appliedState()).isEqualTo(AppliedState.INITIAL);
  }

  @Test
  void dataAndAppliedStateSurviveACleanCloseAndReopen() {
    MapDbDocumentStore store = open();
    store.createCollection(NS, doc("{changeStreamPreAndPostImages: {enabled: true}}"));
    store.put(NS, doc("{_id: 1, a: [1, 2]}"));
    store.setApplied(state(3, 7));
    String digest = store.digest();
    store.close();

    MapDbDocumentStore reopened = open();
    assertThat(reopened.foundDamaged()).isFalse();
    assertThat(reopened.appliedState()).isEqualTo(state(3, 7));
    assertThat(reopened.find(NS, val("1"))).contains(doc("{_id: 1, a: [1, 2]}"));
    assertThat(reopened.collections().get(NS)).isEqualTo(doc("{changeStreamPreAndPostImages: {enabled: true}}"));
    assertThat(reopened.digest()).isEqualTo(digest);
  }

  @Test
  void aStoreCutOffWhileOpenIsDiscardedAtTheNextOpen() throws IOException {
    MapDbDocumentStore store = open();
    store.createCollection(NS, new BsonDocument());
    store.put(NS, doc("{_id: 1}"));
    store.setApplied(state(1, 1));
    // What a kill -9 leaves: the files as they are while the store is open.
    Path crashed = dir.resolve("crashed");
    Files.createDirectories(crashed);
    try (var files = Files.list(dir.resolve("store"))) {
      for (Path f : files.toList()) {
        Files.copy(f, crashed.resolve(f.getFileName()));
      }
    }
    MapDbDocumentStore reopened = MapDbDocumentStore.open(crashed);
    opened.add(reopened);
    assertThat(reopened.foundDamaged()).isTrue();
    assertThat(reopened.appliedState()).isEqualTo(AppliedState.INITIAL);
    assertThat(reopened.collections()).isEmpty();
  }

  @Test
  void aStoreFileMapDbCannotReadIsDiscarded() throws IOException {
    Files.createDirectories(dir.resolve("store"));
    Files.write(dir.resolve("store").resolve("store.mapdb"), "not a MapDB file, and long enough to have a header".repeat(100).getBytes());
    MapDbDocumentStore store = open();
    assertThat(store.foundDamaged()).isTrue();
    assertThat(store.appliedState()).isEqualTo(AppliedState.INITIAL);
  }

  private static List<BsonDocument> byIndex(DocumentStore store, BsonValue value) {
    List<BsonDocument> out = new ArrayList<>();
    store.scanIndex(NS, "a_1", List.of(new KeyRanges.Range(value, value))).forEachRemaining(out::add);
    return out;
  }

  @Test
  void indexesSurviveACleanCloseAndComeBackWithACheckpoint() throws IOException {
    MapDbDocumentStore store = open();
    store.createCollection(NS, new BsonDocument());
    store.createIndex(NS, new IndexSpec("a_1", doc("{a: 1}"), true, false));
    store.put(NS, doc("{_id: 1, a: 'x'}"));
    store.close();

    MapDbDocumentStore reopened = open();
    assertThat(reopened.indexes(NS)).containsExactly(new IndexSpec("a_1", doc("{a: 1}"), true, false));
    assertThat(byIndex(reopened, val("'x'"))).containsExactly(doc("{_id: 1, a: 'x'}"));
    String digest = reopened.digest();
    Path checkpoint = dir.resolve("checkpoint");
    try (Checkpoint copy = reopened.checkpoint(checkpoint)) {
      reopened.put(NS, doc("{_id: 1, a: 'y'}"));
      reopened.dropIndex(NS, "a_1");
      copy.finish(chunk -> {});
    }
    assertThat(reopened.indexes(NS)).isEmpty();
    reopened.restore(checkpoint);
    assertThat(reopened.digest()).isEqualTo(digest);
    assertThat(byIndex(reopened, val("'x'"))).containsExactly(doc("{_id: 1, a: 'x'}"));
    assertThatThrownBy(() -> reopened.put(NS, doc("{_id: 2, a: 'x'}"))).hasMessageContaining("E11000");
  }

  /** An array once indexed makes two-sided ranges one-sided for good: the flag is kept in the file. */
  @Test
  void theMultikeyFlagSurvivesAReopen() {
    MapDbDocumentStore store = open();
    store.createCollection(NS, new BsonDocument());
    store.createIndex(NS, new IndexSpec("a_1", doc("{a: 1}"), false, false));
    store.put(NS, doc("{_id: 1, a: 1}"));
    assertThat(store.isMultikey(NS, "a_1")).isFalse();
    store.put(NS, doc("{_id: 2, a: [0, 5]}"));
    store.close();

    MapDbDocumentStore reopened = open();
    assertThat(reopened.isMultikey(NS, "a_1")).isTrue();
    List<BsonDocument> found = new ArrayList<>();
    reopened.scanIndex(NS, "a_1", List.of(new KeyRanges.Range(val("2"), val("3")))).forEachRemaining(found::add);
    assertThat(found).containsExactly(doc("{_id: 2, a: [0, 5]}"));
  }

  @Test
  void restoreReplacesTheWholeStoreWithACheckpoint() throws IOException {
    MapDbDocumentStore store = open();
    store.createCollection(NS, new BsonDocument());
    store.put(NS, doc("{_id: 1, v: 'at the checkpoint'}"));
    store.history().append(1, doc("{term: 1, clusterTime: Timestamp(5, 1), events: []}"));
    store.sessions().record(new SessionTable.ClientCall(new byte[16], 9), 1000, doc("{ok: 1, n: 1}"));
    store.setApplied(state(1, 1));
    String digest = store.digest();
    Path checkpoint = dir.resolve("checkpoint");
    try (Checkpoint copy = store.checkpoint(checkpoint)) {
      // Changes made before the checkpoint is written out are not in it.
      store.put(NS, doc("{_id: 1, v: 'after'}"));
      store.createCollection("db.later", new BsonDocument());
      store.history().append(2, doc("{term: 1, clusterTime: Timestamp(6, 1), events: []}"));
      store.sessions().record(new SessionTable.ClientCall(new byte[16], 10), 2000, doc("{ok: 1, n: 2}"));
      store.sessions().record(new SessionTable.ClientCall(ONE_SESSION, 1), 2000, doc("{ok: 1, n: 3}"));
      store.setApplied(state(1, 2));
      copy.finish(chunk -> {});
    }
    store.restore(checkpoint);

    assertThat(store.digest()).isEqualTo(digest);
    assertThat(store.appliedState()).isEqualTo(state(1, 1));
    assertThat(store.find(NS, val("1"))).contains(doc("{_id: 1, v: 'at the checkpoint'}"));
    assertThat(store.collectionExists("db.later")).isFalse();
    assertThat(store.history().lastIndex()).hasValue(1);
    assertThat(store.sessions().answered(new SessionTable.ClientCall(new byte[16], 9))).contains(doc("{ok: 1, n: 1}"));
    assertThat(store.sessions().answered(new SessionTable.ClientCall(new byte[16], 10))).as("recorded after the checkpoint").isEmpty();
    assertThat(store.sessions().answered(new SessionTable.ClientCall(ONE_SESSION, 1))).as("a session begun after it").isEmpty();
    assertThat(store.sessions().count()).isEqualTo(1);
  }

  @Test
  void aCheckpointHoldsTheStoreAsItWasWhenItBeganWhileWritesGoOnBetweenItsChunks() throws IOException {
    MapDbDocumentStore store = open();
    store.createCollection(NS, new BsonDocument());
    for (int i = 0; i < 2_000; i++) {
      store.put(NS, doc("{_id: " + i + ", v: 'before', pad: '" + "x".repeat(500) + "'}"));
    }
    store.setApplied(state(1, 1));
    String atCheckpoint = store.digest();
    Path checkpoint = dir.resolve("checkpoint");
    int[] chunks = {0};
    try (Checkpoint copy = store.checkpoint(checkpoint)) {
      copy.finish(chunk -> {
        // Between chunks: change documents everywhere in the file, grow it, drop some.
        int k = chunks[0]++;
        for (int i = k; i < 2_000; i += 97) {
          store.put(NS, doc("{_id: " + i + ", v: 'during', grown: '" + "y".repeat(1_000) + "'}"));
        }
        store.remove(NS, new BsonInt32(1_999 - k));
        store.put(NS, doc("{_id: " + (10_000 + k) + ", v: 'new'}"));
        store.setApplied(state(1, 2 + k));
      });
    }
    assertThat(chunks[0]).isGreaterThan(10);
    assertThat(store.digest()).isNotEqualTo(atCheckpoint);

    MapDbDocumentStore restored = MapDbDocumentStore.open(dir.resolve("restored"));
    opened.add(restored);
    restored.restore(checkpoint);
    assertThat(restored.digest()).isEqualTo(atCheckpoint);
    assertThat(restored.count(NS)).isEqualTo(2_000);
    assertThat(restored.find(NS, new BsonInt32(5))).hasValueSatisfying(d -> assertThat(d.getString("v").getValue()).isEqualTo("before"));
  }

  @Test
  void aCheckpointCutOffByClosingTheStoreSaysSo() {
    MapDbDocumentStore store = open();
    store.createCollection(NS, new BsonDocument());
    Checkpoint copy = store.checkpoint(dir.resolve("checkpoint"));
    store.close();
    assertThatThrownBy(() -> copy.finish(chunk -> {})).isInstanceOf(IOException.class)
        .hasMessageContaining("stopped before it was complete").hasMessageContaining("the store was closed");
    copy.close();
  }

  @Test
  void anInMemoryStoreRefusesToCheckpoint() {
    assertThatThrownBy(() -> memory().checkpoint(dir.resolve("x"))).isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("in-memory");
  }

  private static void build(DocumentStore store) {
    store.createCollection("db.a", new BsonDocument());
    store.createCollection("db.b", doc("{o: 1}"));
    store.put("db.a", doc("{_id: 1, x: 'one'}"));
    store.put("db.a", doc("{_id: 2, x: 'two'}"));
    store.put("db.b", doc("{_id: 'k', y: [1, {z: null}]}"));
    store.remove("db.a", val("2"));
    store.setApplied(state(1, 4));
  }

  @Test
  void digestIsEqualForStoresBuiltByTheSameOperations() {
    MapDbDocumentStore one = memory();
    MapDbDocumentStore two = open();
    build(one);
    build(two);
    assertThat(one.digest()).isEqualTo(two.digest()).matches("[0-9a-f]{64}");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "changed field       | put db.a {_id: 1, x: 'ONE'}",
      "new document        | put db.a {_id: 3}",
      "removed document    | remove db.a 1",
      "new empty coll      | create db.c",
      "dropped collection  | drop db.b",
      "applied position    | applied 5"})
  void digestDiffersAfterOneMoreChange(String what, String change) {
    MapDbDocumentStore base = memory();
    MapDbDocumentStore changed = memory();
    build(base);
    build(changed);
    String[] parts = change.split(" ", 3);
    Consumer<DocumentStore> op = switch (parts[0]) {
      case "put" -> s -> s.put(parts[1], doc(parts[2]));
      case "remove" -> s -> s.remove(parts[1], val(parts[2]));
      case "create" -> s -> s.createCollection(parts[1], new BsonDocument());
      case "drop" -> s -> s.dropCollection(parts[1]);
      default -> s -> s.setApplied(state(1, Long.parseLong(parts[1])));
    };
    op.accept(changed);
    assertThat(changed.digest()).as(what).isNotEqualTo(base.digest());
  }

  @ParameterizedTest(name = "{0} and {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "1                     | NumberLong(1)",
      "1                     | 1.0",
      "NumberLong(1)         | NumberDecimal('1.00')",
      "0                     | -0.0",
      "{a: 1, b: [2, 3]}     | {a: 1.0, b: [NumberLong(2), 3.0]}",
      "{k: {n: 5}}           | {k: {n: NumberDecimal('5')}}"})
  void numericallyEqualIdsAddressTheSameDocument(String stored, String lookup) {
    MapDbDocumentStore store = memory();
    store.createCollection(NS, new BsonDocument());
    store.put(NS, doc("{_id: " + stored + ", v: 'first'}"));
    assertThat(store.find(NS, val(lookup))).isPresent();
    assertThat(DocumentKeys.key(val(lookup))).isEqualTo(DocumentKeys.key(val(stored)));
    store.put(NS, doc("{_id: " + lookup + ", v: 'second'}"));
    assertThat(store.count(NS)).isEqualTo(1);
    assertThat(store.find(NS, val(stored)).orElseThrow().getString("v").getValue()).isEqualTo("second");
    assertThat(store.remove(NS, val(lookup))).isTrue();
    assertThat(store.count(NS)).isZero();
  }

  @Test
  void storedDocumentKeepsItsOriginalIdType() {
    MapDbDocumentStore store = memory();
    store.createCollection(NS, new BsonDocument());
    store.put(NS, doc("{_id: {a: 1}}"));
    BsonDocument found = store.find(NS, val("{a: NumberLong(1)}")).orElseThrow();
    assertThat(found.getDocument("_id").get("a").isInt32()).isTrue();
  }
}
