package io.sluice.statemachine.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.protocol.Position;
import io.sluice.statemachine.engine.BsonArbitraries;
import io.sluice.statemachine.storage.MapDbDocumentStore;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.bson.BsonArray;
import org.bson.BsonBoolean;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonNull;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.types.Decimal128;

/**
 * Indexes change how documents are found, never which: random documents, the same writes to a store
 * with indexes and to one without, then random filters (equality, ranges, $in, on plain, dotted and
 * numeric paths, through arrays) find the same documents in both, and an update through the filter
 * leaves both stores with the same documents.
 */
class IndexedQueryPropertyTest {
  private static final ApplyContext CONTEXT = new ApplyContext(new Position(1, 1), 1_000L, new BsonTimestamp(1, 1));
  private static final List<String> PATHS = List.of("a", "b", "a.b", "a.0", "c");
  private static final List<String> OPERATORS = List.of("=", "$eq", "$gt", "$gte", "$lt", "$lte", "$in");
  private static final String INDEXES = "[{key: {a: 1}}, {key: {'a.b': -1, a: 1}}, {key: {b: -1}}, {key: {c: 1, z: -1}}]";

  @Property(tries = 500)
  void indexesFindWhatAScanFinds(@ForAll("collections") List<BsonDocument> docs, @ForAll("filters") BsonDocument filter,
      @ForAll("filters") BsonDocument updateFilter, @ForAll("scalars") BsonValue newValue) {
    MapDbDocumentStore plain = MapDbDocumentStore.inMemory();
    MapDbDocumentStore indexed = MapDbDocumentStore.inMemory();
    try {
      List<Store> stores = List.of(new Store(plain), new Store(indexed));
      stores.get(1).write(new BsonDocument("createIndexes", new BsonString("c")).append("indexes", BsonDocument.parse("{i: " + INDEXES + "}")
          .getArray("i")));
      BsonArray documents = new BsonArray();
      for (int i = 0; i < docs.size(); i++) {
        documents.add(docs.get(i).clone().append("_id", new BsonInt32(i)));
      }
      for (Store store : stores) {
        store.write(new BsonDocument("insert", new BsonString("c")).append("documents", documents.clone()).append("ordered", BsonBoolean.FALSE));
      }
      assertThat(stores.get(1).all()).as("insert %s", documents).isEqualTo(stores.get(0).all());
      assertThat(stores.get(1).ids(filter)).as("find %s in %s", filter, documents).isEqualTo(stores.get(0).ids(filter));

      BsonDocument update = new BsonDocument("q", updateFilter).append("u", new BsonDocument("$set", new BsonDocument("a", newValue)))
          .append("multi", BsonBoolean.TRUE);
      for (Store store : stores) {
        store.write(new BsonDocument("update", new BsonString("c")).append("updates", new BsonArray(List.of(update.clone()))));
      }
      assertThat(stores.get(1).all()).as("after update %s", update).isEqualTo(stores.get(0).all());
      assertThat(stores.get(1).ids(filter)).as("find %s after update %s", filter, update).isEqualTo(stores.get(0).ids(filter));
    } finally {
      plain.close();
      indexed.close();
    }
  }

  /** Two-sided ranges against arrays whose elements may sit on both sides of the range and none inside. */
  @Property(tries = 300)
  void twoSidedRangesFindArraysThatMeetEachEndWithADifferentElement(
      @ForAll("smallIntPairs") List<List<Integer>> arrays, @ForAll("lowOperators") String lowOp, @ForAll("smallInts") int low,
      @ForAll("highOperators") String highOp, @ForAll("smallInts") int high) {
    MapDbDocumentStore plain = MapDbDocumentStore.inMemory();
    MapDbDocumentStore indexed = MapDbDocumentStore.inMemory();
    try {
      List<Store> stores = List.of(new Store(plain), new Store(indexed));
      stores.get(1).write(BsonDocument.parse("{createIndexes: 'c', indexes: [{key: {a: 1}}, {key: {b: -1}}]}"));
      BsonArray documents = new BsonArray();
      for (int i = 0; i < arrays.size(); i++) {
        BsonArray values = new BsonArray(arrays.get(i).stream().map(v -> (BsonValue) new BsonInt32(v)).toList());
        documents.add(new BsonDocument("_id", new BsonInt32(i)).append("a", values).append("b", values));
      }
      stores.forEach(store -> store.write(new BsonDocument("insert", new BsonString("c")).append("documents", documents.clone())));
      for (String path : List.of("a", "b")) {
        BsonDocument filter = new BsonDocument(path, new BsonDocument(lowOp, new BsonInt32(low)).append(highOp, new BsonInt32(high)));
        assertThat(stores.get(1).ids(filter)).as("find %s in %s", filter, documents).isEqualTo(stores.get(0).ids(filter));
      }
    } finally {
      plain.close();
      indexed.close();
    }
  }

  @Provide
  Arbitrary<Integer> smallInts() {
    return Arbitraries.integers().between(-3, 3);
  }

  @Provide
  Arbitrary<List<List<Integer>>> smallIntPairs() {
    return smallInts().list().ofMinSize(1).ofMaxSize(2).list().ofMaxSize(6);
  }

  @Provide
  Arbitrary<String> lowOperators() {
    return Arbitraries.of("$gt", "$gte");
  }

  @Provide
  Arbitrary<String> highOperators() {
    return Arbitraries.of("$lt", "$lte");
  }

  private record Store(MapDbDocumentStore store) {
    void write(BsonDocument command) {
      new WriteExecutor(store).apply(CONTEXT, command.append("$db", new BsonString("db")));
    }

    /** The ids found, sorted: the order may differ (index order against key order), the set may not. */
    List<Integer> ids(BsonDocument filter) {
      BsonDocument reply = new QueryExecutor(store).execute(new BsonDocument("find", new BsonString("c")).append("filter", filter.clone())
          .append("$db", new BsonString("db")));
      return reply.getDocument("cursor").getArray("firstBatch").stream().map(d -> d.asDocument().getInt32("_id").getValue()).sorted().toList();
    }

    List<BsonDocument> all() {
      List<BsonDocument> out = new ArrayList<>();
      store.scan("db.c").forEachRemaining(out::add);
      return out;
    }
  }

  @Provide
  Arbitrary<BsonValue> scalars() {
    return Arbitraries.oneOf(
        Arbitraries.integers().between(-2, 2).map(i -> (BsonValue) new BsonInt32(i)),
        Arbitraries.longs().between(-2, 2).map(l -> (BsonValue) new BsonInt64(l)),
        Arbitraries.of(-1.5, 0.0, 1.0, 2.5, Double.NaN).map(d -> (BsonValue) new BsonDouble(d)),
        Arbitraries.of("1", "2.50").map(s -> (BsonValue) new BsonDecimal128(Decimal128.parse(s))),
        Arbitraries.of("", "a", "b", "ab").map(s -> (BsonValue) new BsonString(s)),
        Arbitraries.<BsonValue>of(BsonNull.VALUE, BsonBoolean.TRUE, BsonBoolean.FALSE));
  }


  /** Random documents, and often plain two-element arrays, whose elements can sit on both sides of a range. */
  @Provide
  Arbitrary<List<BsonDocument>> collections() {
    Arbitrary<BsonDocument> pairs = scalars().list().ofSize(2).map(pair -> new BsonDocument("a", new BsonArray(pair))
        .append("b", new BsonArray(List.of(pair.get(1), pair.get(0)))));
    List<String> names = List.of("a", "b", "c");
    Arbitrary<BsonDocument> random = BsonArbitraries.documentsOf(BsonArbitraries.nested(scalars(), names, 3), names);
    return Arbitraries.frequencyOf(Tuple.of(2, random), Tuple.of(1, pairs)).list().ofMaxSize(12);
  }

  /**
   * One or two conditions (the second inside $and), each on a path with an operator and a scalar
   * (or a list for $in), sometimes with a second operator on the same path (a two-sided range).
   */
  @Provide
  Arbitrary<BsonDocument> filters() {
    Arbitrary<BsonDocument> condition = Combinators.combine(Arbitraries.of(PATHS), Arbitraries.of(OPERATORS), scalars(),
        scalars().list().ofMaxSize(3), Arbitraries.of("$gt", "$gte", "$lt", "$lte").injectNull(0.5), scalars())
        .as((path, op, value, list, secondOp, secondValue) -> {
          if (op.equals("=")) {
            return new BsonDocument(path, value);
          }
          BsonDocument operators = new BsonDocument(op, op.equals("$in") ? new BsonArray(list) : value);
          if (secondOp != null && !secondOp.equals(op)) {
            operators.append(secondOp, secondValue);
          }
          return new BsonDocument(path, operators);
        });
    return Combinators.combine(condition, condition.injectNull(0.5)).as((first, second) ->
        second == null ? first : first.clone().append("$and", new BsonArray(List.of(second))));
  }
}
