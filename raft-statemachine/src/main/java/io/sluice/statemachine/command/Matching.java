package io.sluice.statemachine.command;

import com.google.common.collect.Iterators;
import io.sluice.statemachine.engine.Filter;
import io.sluice.statemachine.storage.DocumentStore;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import org.bson.BsonDocument;

/** Finds the documents of a collection that a filter matches, by {@code _id} or an index when it can ({@link QueryPlan}). */
final class Matching {
  private Matching() {}

  /**
   * The matching documents in the order of the chosen {@link QueryPlan} (key order, or index order),
   * decoded one at a time; the caller holds the store's lock while it iterates.
   */
  static Iterator<BsonDocument> iterate(DocumentStore store, String namespace, Filter filter, Hint hint) {
    Iterator<BsonDocument> candidates = QueryPlan.choose(store, namespace, filter, hint).candidates(store);
    return Iterators.filter(candidates, filter::matches);
  }

  /** The first matching document in {@code order} (the first in plan order among equals), without keeping the others. */
  static Optional<BsonDocument> first(DocumentStore store, String namespace, Filter filter, Hint hint, Comparator<BsonDocument> order) {
    BsonDocument best = null;
    for (Iterator<BsonDocument> it = iterate(store, namespace, filter, hint); it.hasNext(); ) {
      BsonDocument doc = it.next();
      if (best == null || order.compare(doc, best) < 0) {
        best = doc;
      }
    }
    return Optional.ofNullable(best);
  }

  /** Up to {@code limit} matching documents (0 = no limit), in plan order. */
  static List<BsonDocument> find(DocumentStore store, String namespace, Filter filter, Hint hint, long limit) {
    List<BsonDocument> matches = new ArrayList<>();
    for (Iterator<BsonDocument> it = iterate(store, namespace, filter, hint); it.hasNext() && (limit == 0 || matches.size() < limit); ) {
      matches.add(it.next());
    }
    return matches;
  }
}
