package io.sluice.statemachine.command;

import io.sluice.statemachine.engine.Filter;
import io.sluice.statemachine.storage.DocumentStore;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/** Finds the documents of a collection that a filter matches, by {@code _id} lookup when it can. */
final class Matching {
  private Matching() {}

  /** Up to {@code limit} matching documents (0 = no limit), in key order. */
  static List<BsonDocument> find(DocumentStore store, String namespace, Filter filter, long limit) {
    List<BsonDocument> matches = new ArrayList<>();
    Optional<BsonValue> id = filter.idEquality();
    if (id.isPresent()) {
      store.find(namespace, id.get()).filter(filter::matches).ifPresent(matches::add);
      return matches;
    }
    for (Iterator<BsonDocument> it = store.scan(namespace); it.hasNext() && (limit == 0 || matches.size() < limit); ) {
      BsonDocument doc = it.next();
      if (filter.matches(doc)) {
        matches.add(doc);
      }
    }
    return matches;
  }
}
