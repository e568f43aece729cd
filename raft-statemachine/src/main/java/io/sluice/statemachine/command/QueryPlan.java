package io.sluice.statemachine.command;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import io.sluice.statemachine.engine.Filter;
import io.sluice.statemachine.engine.KeyRanges;
import io.sluice.statemachine.storage.DocumentStore;
import io.sluice.statemachine.storage.IndexSpec;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import org.bson.BsonArray;
import org.bson.BsonBoolean;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.BsonValue;

/**
 * How the documents a filter may match are found: by {@code _id} lookup, by scanning a secondary
 * index on a field the filter pins by equality or range, or by scanning the whole collection. The
 * choice depends only on the filter and the collection's indexes, which every node has alike, so
 * every node visits documents in the same order. What a plan finds is a superset: the filter is
 * applied to it.
 */
final class QueryPlan {
  /** Every key of every type: from MinKey to MaxKey. */
  private static final KeyRanges.Range WHOLE_INDEX = new KeyRanges.Range(new org.bson.BsonMinKey(), new org.bson.BsonMaxKey());

  private final String namespace;
  private final BsonValue id;
  private final IndexSpec index;
  private final List<KeyRanges.Range> ranges;

  private QueryPlan(String namespace, BsonValue id, IndexSpec index, List<KeyRanges.Range> ranges) {
    this.namespace = namespace;
    this.id = id;
    this.index = index;
    this.ranges = ranges;
  }

  /**
   * The hinted index if there is a hint; else {@code _id} equality; else the index whose leading field
   * the filter pins best (only equalities beat a range, then a unique index beats others, then the
   * first by name); else a scan.
   */
  static QueryPlan choose(DocumentStore store, String namespace, Filter filter, Hint hint) {
    if (!hint.isNone()) {
      return hinted(store, namespace, filter, hint);
    }
    Optional<BsonValue> id = filter.idEquality();
    if (id.isPresent()) {
      return new QueryPlan(namespace, id.get(), null, null);
    }
    IndexSpec best = null;
    List<KeyRanges.Range> bestRanges = null;
    int bestScore = -1;
    for (IndexSpec spec : store.indexes(namespace)) {
      Optional<List<KeyRanges.Range>> ranges = filter.keyRanges(spec.fields().get(0).path());
      if (ranges.isPresent()) {
        int score = (ranges.get().stream().allMatch(KeyRanges.Range::isPoint) ? 2 : 0) + (spec.unique() ? 1 : 0);
        if (score > bestScore) {
          best = spec;
          bestRanges = ranges.get();
          bestScore = score;
        }
      }
    }
    return new QueryPlan(namespace, null, best, bestRanges);
  }

  /**
   * The plan a hint asks for: a scan for {@code $natural} or the {@code _id} index (by {@code _id}
   * if the filter pins it), else the named index, over the filter's ranges on its leading field or
   * whole (a hinted sparse index finds only the documents it holds, as in MongoDB).
   */
  private static QueryPlan hinted(DocumentStore store, String namespace, Filter filter, Hint hint) {
    BsonValue value = hint.value();
    boolean idIndex = value.isString() ? value.asString().getValue().equals(IndexCommands.ID_INDEX_SPEC.name()) : IndexCommands.ID_INDEX_SPEC.sameKey(value.asDocument());
    if (hint.isNatural() || idIndex || !store.collectionExists(namespace)) {
      // A missing collection has no documents, whatever the hint names (as in MongoDB).
      return new QueryPlan(namespace, idIndex ? filter.idEquality().orElse(null) : null, null, null);
    }
    IndexSpec index = store.indexes(namespace).stream()
        .filter(spec -> value.isString() ? spec.name().equals(value.asString().getValue()) : spec.sameKey(value.asDocument()))
        .findFirst().orElseThrow(() -> new SluiceException(ErrorCode.BAD_VALUE, "hint provided does not correspond to an existing index: "
            + (value.isString() ? value.asString().getValue() : value.asDocument().toJson()) + " on " + namespace));
    List<KeyRanges.Range> ranges = filter.keyRanges(index.fields().get(0).path()).orElse(List.of(WHOLE_INDEX));
    return new QueryPlan(namespace, null, index, ranges);
  }

  /** The documents this plan looks at (the filter not yet applied); the caller holds the store's read lock. */
  Iterator<BsonDocument> candidates(DocumentStore store) {
    if (id != null) {
      return store.find(namespace, id).stream().iterator();
    }
    if (index != null) {
      return store.scanIndex(namespace, index.name(), ranges);
    }
    return store.scan(namespace);
  }

  /** The plan as MongoDB's explain shows its {@code winningPlan}; {@code filterDoc} is the filter it was chosen for. */
  BsonDocument describe(DocumentStore store, BsonDocument filterDoc) {
    if (id != null) {
      return new BsonDocument("stage", new BsonString("IDHACK"));
    }
    if (index == null) {
      return new BsonDocument("stage", new BsonString("COLLSCAN")).append("filter", filterDoc)
          .append("direction", new BsonString("forward"));
    }
    String leading = index.fields().get(0).path();
    BsonArray bounds = new BsonArray(ranges.stream().<BsonValue>map(r -> new BsonString(r.describe())).toList());
    BsonDocument scan = new BsonDocument("stage", new BsonString("IXSCAN"))
        .append("keyPattern", index.key())
        .append("indexName", new BsonString(index.name()))
        .append("isMultiKey", BsonBoolean.valueOf(store.isMultikey(namespace, index.name())))
        .append("isUnique", BsonBoolean.valueOf(index.unique()))
        .append("isSparse", BsonBoolean.valueOf(index.sparse()))
        .append("direction", new BsonString("forward"))
        .append("indexBounds", new BsonDocument(leading, bounds));
    return new BsonDocument("stage", new BsonString("FETCH")).append("filter", filterDoc).append("inputStage", scan);
  }
}
