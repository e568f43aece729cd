package io.sluice.statemachine.changestream;

import org.bson.BsonDocument;
import org.bson.BsonString;

/** The {@code ns} field of change events: {@code {db, coll}}, or {@code {db}} for a database event. */
final class Namespace {
  private Namespace() {}

  static BsonDocument of(String namespace) {
    int dot = namespace.indexOf('.');
    return new BsonDocument("db", new BsonString(namespace.substring(0, dot)))
        .append("coll", new BsonString(namespace.substring(dot + 1)));
  }

  static BsonDocument database(String db) {
    return new BsonDocument("db", new BsonString(db));
  }
}
