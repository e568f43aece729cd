package io.sluice.client;

import java.util.ArrayList;
import java.util.List;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.conversions.Bson;

/**
 * The distinct values of a field among a collection's documents (those matching {@link #filter}),
 * in BSON order; the elements of an array count as values. Each is decoded as {@code T}.
 */
public final class DistinctIterable<T> extends ResultIterable<T> {
  private final SluiceCollection collection;
  private final String fieldName;
  private final Class<T> resultClass;
  private BsonDocument filter = new BsonDocument();

  DistinctIterable(SluiceCollection collection, String fieldName, Class<T> resultClass) {
    this.collection = collection;
    this.fieldName = fieldName;
    this.resultClass = resultClass;
  }

  public DistinctIterable<T> filter(Bson filter) {
    this.filter = Documents.toBson(filter);
    return this;
  }

  @Override
  List<T> run() {
    BsonDocument command = collection.command("distinct").append("key", new BsonString(fieldName)).append("query", filter);
    BsonDocument reply = collection.read(command, io.sluice.protocol.Position.ZERO);
    List<T> result = new ArrayList<>();
    for (BsonValue value : reply.getArray("values")) {
      result.add(Documents.toDocument(new BsonDocument("v", value)).get("v", resultClass));
    }
    return result;
  }
}
