package io.sluice.statemachine.command;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.Limits;
import io.sluice.protocol.Replies;
import io.sluice.protocol.SluiceException;
import io.sluice.statemachine.engine.DocumentLimits;
import io.sluice.statemachine.engine.Filter;
import io.sluice.statemachine.engine.Projection;
import io.sluice.statemachine.engine.SortSpec;
import io.sluice.statemachine.storage.DocumentStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.BsonString;

/**
 * Answers read commands from the store as it is: {@code find}, {@code count},
 * {@code listCollections}. The caller decides how fresh the store must be (linearizable, or at least
 * some position) and holds the store's read lock so that no half-applied entry is seen.
 */
public final class QueryExecutor {
  /** A reply must fit one message: the largest document plus room for the reply's own fields. */
  private static final long MAX_REPLY_BYTES = Limits.MAX_DOCUMENT_BYTES;

  private final DocumentStore store;

  public QueryExecutor(DocumentStore store) {
    this.store = store;
  }

  public static boolean isRead(String commandName) {
    return switch (commandName) {
      case "find", "count", "listCollections" -> true;
      default -> false;
    };
  }

  public BsonDocument execute(BsonDocument command) {
    CommandReader reader = new CommandReader(command);
    return switch (reader.name()) {
      case "find" -> find(reader);
      case "count" -> count(reader);
      case "listCollections" -> listCollections(reader);
      default -> throw new SluiceException(ErrorCode.COMMAND_NOT_FOUND, "no such read command: '" + reader.name()
          + "'; reads are find, count and listCollections");
    };
  }

  private BsonDocument find(CommandReader reader) {
    reader.checkFields(Set.of("filter", "sort", "projection", "limit", "skip", "batchSize", "singleBatch", "hint", "collation"));
    String ns = reader.namespace();
    Filter filter = Filter.compile(reader.documentOr("filter", new BsonDocument()));
    BsonDocument sortSpec = reader.documentOr("sort", new BsonDocument());
    Projection projection = Projection.compile(reader.documentOr("projection", new BsonDocument()));
    long skip = nonNegative(reader, "skip");
    long limit = limit(reader);
    // Without a sort, the scan can stop as soon as skip + limit documents matched.
    long needed = sortSpec.isEmpty() && limit > 0 ? skip + limit : 0;
    List<BsonDocument> matches = new ArrayList<>(Matching.find(store, ns, filter, needed));
    if (!sortSpec.isEmpty()) {
      matches.sort(SortSpec.compile(sortSpec).comparator());
    }
    BsonArray batch = new BsonArray();
    long bytes = 0;
    for (BsonDocument doc : matches.subList((int) Math.min(skip, matches.size()), matches.size())) {
      if (limit != 0 && batch.size() >= limit) {
        break;
      }
      BsonDocument projected = projection.apply(doc);
      bytes += DocumentLimits.encodedSize(projected);
      if (bytes > MAX_REPLY_BYTES) {
        throw new SluiceException(ErrorCode.BSON_OBJECT_TOO_LARGE, "the result of this find on " + ns + " is larger than "
            + MAX_REPLY_BYTES + " bytes after " + batch.size() + " documents; narrow the filter, project fewer fields or set a "
            + "limit (find returns one batch; getMore cursors are not supported yet)");
      }
      batch.add(projected);
    }
    return Replies.ok().append("cursor", new BsonDocument("firstBatch", batch)
        .append("id", new BsonInt64(0)).append("ns", new BsonString(ns)));
  }

  private BsonDocument count(CommandReader reader) {
    reader.checkFields(Set.of("query", "limit", "skip", "hint", "collation"));
    String ns = reader.namespace();
    BsonDocument query = reader.documentOr("query", new BsonDocument());
    long skip = nonNegative(reader, "skip");
    long limit = limit(reader);
    long n = query.isEmpty() ? store.count(ns) : Matching.find(store, ns, Filter.compile(query), 0).size();
    n = Math.max(0, n - skip);
    return Replies.ok().append("n", new BsonInt64(limit == 0 ? n : Math.min(n, limit)));
  }

  private BsonDocument listCollections(CommandReader reader) {
    reader.checkFields(Set.of("filter", "nameOnly", "authorizedCollections", "cursor"));
    String db = reader.database();
    Filter filter = Filter.compile(reader.documentOr("filter", new BsonDocument()));
    BsonArray batch = new BsonArray();
    for (Map.Entry<String, BsonDocument> e : store.collections().entrySet()) {
      if (Namespaces.database(e.getKey()).equals(db)) {
        BsonDocument info = new BsonDocument("name", new BsonString(Namespaces.collection(e.getKey())))
            .append("type", new BsonString("collection"))
            .append("options", e.getValue())
            .append("info", new BsonDocument("readOnly", org.bson.BsonBoolean.FALSE));
        if (filter.matches(info)) {
          batch.add(info);
        }
      }
    }
    return Replies.ok().append("cursor", new BsonDocument("firstBatch", batch)
        .append("id", new BsonInt64(0)).append("ns", new BsonString(db + ".$cmd.listCollections")));
  }

  /** MongoDB reads a negative limit as its absolute value (for find: one batch). */
  private static long limit(CommandReader reader) {
    long limit = reader.longOr("limit", 0);
    return limit == Long.MIN_VALUE ? Long.MAX_VALUE : Math.abs(limit);
  }

  private static long nonNegative(CommandReader reader, String field) {
    long value = reader.longOr(field, 0);
    if (value < 0) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "BSON field '" + reader.name() + "." + field + "' value must be >= 0, actual value '" + value + "'");
    }
    return value;
  }
}
