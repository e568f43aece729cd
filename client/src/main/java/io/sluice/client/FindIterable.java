package io.sluice.client;

import com.mongodb.ExplainVerbosity;
import io.sluice.protocol.Position;
import java.util.List;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonValue;
import org.bson.Document;
import org.bson.conversions.Bson;

/**
 * A query being built, run when iterated ({@link #first()}, {@link #into}, {@link #iterator()}).
 * With a follower read preference, {@link #afterPosition} names a write that the answering follower
 * must have applied first.
 */
public final class FindIterable extends ResultIterable<Document> {
  private final SluiceCollection collection;
  private final BsonDocument filter;
  private BsonDocument sort = new BsonDocument();
  private BsonDocument projection = new BsonDocument();
  private long limit;
  private long skip;
  private Integer batchSize;
  private BsonValue hint;
  private Position afterPosition = Position.ZERO;

  FindIterable(SluiceCollection collection, BsonDocument filter) {
    this.collection = collection;
    this.filter = filter;
  }

  public FindIterable sort(Bson sortSpec) {
    this.sort = Documents.toBson(sortSpec);
    return this;
  }

  public FindIterable projection(Bson projectionSpec) {
    this.projection = Documents.toBson(projectionSpec);
    return this;
  }

  public FindIterable limit(int n) {
    this.limit = n;
    return this;
  }

  public FindIterable skip(int n) {
    this.skip = n;
    return this;
  }

  /** At most this many documents per batch (the first holds 101 by default, the others up to 16 MiB); 0: an empty first batch. */
  public FindIterable batchSize(int n) {
    this.batchSize = n;
    return this;
  }

  /** Use this index (its key pattern, e.g. {@code Indexes.ascending("age")}), or {@code {$natural: 1}} for a collection scan. */
  public FindIterable hint(Bson indexKeys) {
    this.hint = Documents.toBson(indexKeys);
    return this;
  }

  /** Use the index of this name. */
  public FindIterable hintString(String indexName) {
    this.hint = new org.bson.BsonString(indexName);
    return this;
  }

  /** Answer only from a node that has applied the write at {@code position} (read-your-writes). */
  public FindIterable afterPosition(Position position) {
    this.afterPosition = position;
    return this;
  }

  /** The first matching document, or null; asks for one only. */
  @Override
  public Document first() {
    long savedLimit = limit;
    limit = 1;
    try {
      return super.first();
    } finally {
      limit = savedLimit;
    }
  }

  /** How the node would run this query (which index, or a collection scan), with counts: {@code explain} at executionStats. */
  public Document explain() {
    return explain(ExplainVerbosity.EXECUTION_STATS);
  }

  public Document explain(ExplainVerbosity verbosity) {
    BsonDocument command = new BsonDocument("explain", findCommand())
        .append("verbosity", new org.bson.BsonString(switch (verbosity) {
          case QUERY_PLANNER -> "queryPlanner";
          case EXECUTION_STATS -> "executionStats";
          case ALL_PLANS_EXECUTIONS -> "allPlansExecution";
        }))
        .append("$db", findCommand().get("$db"));
    return Documents.toDocument(collection.read(command, afterPosition));
  }

  @Override
  List<Document> run() {
    return collection.readAll(findCommand(), afterPosition, batchSize == null ? 0 : batchSize);
  }

  private BsonDocument findCommand() {
    BsonDocument command = collection.command("find").append("filter", filter);
    if (!sort.isEmpty()) {
      command.append("sort", sort);
    }
    if (!projection.isEmpty()) {
      command.append("projection", projection);
    }
    if (limit != 0) {
      command.append("limit", new BsonInt64(Math.abs(limit)));
    }
    if (limit < 0) {
      // The driver's limit(-n): at most n documents, in one batch.
      command.append("singleBatch", org.bson.BsonBoolean.TRUE).append("batchSize", new BsonInt64(Math.abs(limit)));
    }
    if (skip != 0) {
      command.append("skip", new BsonInt64(skip));
    }
    if (batchSize != null && limit >= 0) {
      command.append("batchSize", new BsonInt32(batchSize));
    }
    if (hint != null) {
      command.append("hint", hint);
    }
    return command;
  }
}
