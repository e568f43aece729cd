package io.sluice.statemachine.engine;

import java.util.List;
import org.bson.BsonDocument;

/** A compiled predicate on whole documents, the building block of a {@link Filter}. */
@FunctionalInterface
interface Matcher {
  boolean matches(BsonDocument doc);

  Matcher ALWAYS = doc -> true;

  default Matcher negate() {
    return doc -> !matches(doc);
  }

  static Matcher and(List<Matcher> all) {
    if (all.isEmpty()) {
      return ALWAYS;
    }
    if (all.size() == 1) {
      return all.get(0);
    }
    Matcher[] array = all.toArray(new Matcher[0]);
    return doc -> {
      for (Matcher m : array) {
        if (!m.matches(doc)) {
          return false;
        }
      }
      return true;
    };
  }

  static Matcher or(List<Matcher> any) {
    Matcher[] array = any.toArray(new Matcher[0]);
    return doc -> {
      for (Matcher m : array) {
        if (m.matches(doc)) {
          return true;
        }
      }
      return false;
    };
  }
}
