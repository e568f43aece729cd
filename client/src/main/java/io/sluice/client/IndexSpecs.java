package io.sluice.client;

import com.mongodb.client.model.IndexModel;
import com.mongodb.client.model.IndexOptions;
import io.sluice.protocol.IndexNames;
import java.util.concurrent.TimeUnit;
import org.bson.BsonBoolean;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.BsonString;

/** The {@code createIndexes} entry for a driver {@link IndexModel}, with MongoDB's default name. */
final class IndexSpecs {
  private IndexSpecs() {}

  static BsonDocument of(IndexModel model) {
    BsonDocument keys = Documents.toBson(model.getKeys());
    IndexOptions options = model.getOptions();
    String name = options.getName() != null ? options.getName() : IndexNames.defaultName(keys);
    BsonDocument spec = new BsonDocument("key", keys).append("name", new BsonString(name));
    if (options.isUnique()) {
      spec.append("unique", BsonBoolean.TRUE);
    }
    if (options.isSparse()) {
      spec.append("sparse", BsonBoolean.TRUE);
    }
    // Passed on so that the node names what it does not build, rather than the client dropping it silently.
    if (options.getExpireAfter(TimeUnit.SECONDS) != null) {
      spec.append("expireAfterSeconds", new BsonInt64(options.getExpireAfter(TimeUnit.SECONDS)));
    }
    if (options.getPartialFilterExpression() != null) {
      spec.append("partialFilterExpression", Documents.toBson(options.getPartialFilterExpression()));
    }
    if (options.isHidden()) {
      spec.append("hidden", BsonBoolean.TRUE);
    }
    if (options.getCollation() != null) {
      spec.append("collation", options.getCollation().asDocument());
    }
    return spec;
  }
}
