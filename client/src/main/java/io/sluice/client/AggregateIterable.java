package io.sluice.client;

import java.util.List;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.Document;
import org.bson.conversions.Bson;

/**
 * An {@code aggregate} of a collection: build the stages with MongoDB's {@code Aggregates} and
 * {@code Accumulators}. Stages: {@code $match $project $addFields $set $unset $replaceRoot
 * $replaceWith $sort $limit $skip $group $count}.
 */
public final class AggregateIterable extends ResultIterable<Document> {
  private final SluiceCollection collection;
  private final BsonArray pipeline = new BsonArray();

  AggregateIterable(SluiceCollection collection, List<? extends Bson> pipeline) {
    this.collection = collection;
    pipeline.forEach(stage -> this.pipeline.add(Documents.toBson(stage)));
  }

  @Override
  List<Document> run() {
    BsonDocument command = collection.command("aggregate").append("pipeline", pipeline).append("cursor", new BsonDocument());
    return collection.readAll(command, io.sluice.protocol.Position.ZERO, 0);
  }
}
