package io.sluice.statemachine.command;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.Limits;
import io.sluice.protocol.Replies;
import io.sluice.protocol.SluiceException;
import io.sluice.statemachine.engine.Aggregation;
import io.sluice.statemachine.engine.BsonOrder;
import io.sluice.statemachine.engine.DocumentLimits;
import io.sluice.statemachine.engine.FieldPath;
import io.sluice.statemachine.engine.Filter;
import io.sluice.statemachine.engine.Projection;
import io.sluice.statemachine.engine.SortSpec;
import io.sluice.statemachine.storage.DocumentStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonValue;

/**
 * Answers read commands from the store as it is: {@code find}, {@code count}, {@code aggregate},
 * {@code distinct}, {@code listCollections}, {@code listIndexes} and {@code explain}. The caller decides how fresh the store must be
 * (linearizable, or at least some position). Each command reads the store under its read lock, so
 * that no half-applied entry is seen, and sorts, projects or runs its pipeline after releasing it, so
 * that a long aggregate does not hold up apply.
 */
public final class QueryExecutor {
  /** A reply must fit one message: the largest document plus room for the reply's own fields. */
  private static final long MAX_REPLY_BYTES = Limits.MAX_DOCUMENT_BYTES;

  private final DocumentStore store;
  private final FindCursors cursors;

  public QueryExecutor(DocumentStore store, FindCursors cursors) {
    this.store = store;
    this.cursors = cursors;
  }

  /** With cursors whose ids come from the clock: unique, not unguessable (tests, benchmarks). */
  public QueryExecutor(DocumentStore store) {
    this(store, new FindCursors(System::nanoTime, System::nanoTime));
  }

  public BsonDocument execute(BsonDocument command) {
    CommandReader reader = new CommandReader(command);
    return switch (reader.name()) {
      case "find" -> find(reader);
      case "count" -> count(reader);
      case "aggregate" -> aggregate(reader);
      case "distinct" -> distinct(reader);
      case "listCollections" -> listCollections(reader);
      case "listIndexes" -> underReadLock(() -> IndexCommands.list(store, reader));
      case "explain" -> explain(reader);
      case "getMore" -> cursors.getMore(command);
      case "killCursors" -> cursors.kill(command);
      default -> throw new SluiceException(ErrorCode.COMMAND_NOT_FOUND, "no such read command: '" + reader.name()
          + "'; reads are find, count, aggregate, distinct, listCollections, getMore and killCursors");
    };
  }

  private BsonDocument find(CommandReader reader) {
    reader.checkFields(Set.of("filter", "sort", "projection", "limit", "skip", "batchSize", "singleBatch", "hint", "collation"));
    String ns = reader.namespace();
    BsonDocument query = reader.documentOr("filter", new BsonDocument());
    Filter filter = Filter.compile(query);
    BsonDocument sortSpec = reader.documentOr("sort", new BsonDocument());
    Projection projection = Projection.compile(reader.documentOr("projection", new BsonDocument()));
    long skip = nonNegative(reader, "skip");
    long limit = nonNegative(reader, "limit");
    // Without a sort, the scan can stop as soon as skip + limit documents matched.
    long needed = sortSpec.isEmpty() && limit > 0 ? skip + limit : 0;
    Hint hint = Hint.read(reader.document(), reader.name());
    List<BsonDocument> matches = new ArrayList<>(underReadLock(() -> Matching.find(store, ns, filter, hint, needed)));
    if (!sortSpec.isEmpty()) {
      matches.sort(SortSpec.compile(sortSpec).comparator());
    }
    List<BsonDocument> page = matches.subList((int) Math.min(skip, matches.size()), matches.size());
    page = page.subList(0, (int) Math.min(limit == 0 ? Long.MAX_VALUE : limit, page.size()));
    boolean singleBatch = reader.booleanOr("singleBatch", false);
    return cursors.firstBatch(ns, page, doc -> projection.apply(doc, query), batchSize(reader, reader.document()), singleBatch);
  }

  /** {@code {aggregate: <collection>, pipeline: [...], cursor: {}}}: the pipeline's result as one batch. */
  private BsonDocument aggregate(CommandReader reader) {
    reader.checkFields(Set.of("pipeline", "cursor", "allowDiskUse", "explain", "hint"));
    if (reader.booleanOr("explain", false)) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "explain is not supported for aggregate");
    }
    if (!reader.document().containsKey("cursor")) {
      throw new SluiceException(ErrorCode.FAILED_TO_PARSE, "The 'cursor' option is required, except for aggregate with the explain argument");
    }
    BsonDocument cursor = reader.documentOr("cursor", new BsonDocument());
    String ns = reader.namespace();
    Aggregation aggregation = Aggregation.compile(reader.array("pipeline"));
    Hint hint = Hint.read(reader.document(), reader.name());
    List<BsonDocument> result = aggregation.run(underReadLock(() -> Matching.find(store, ns, aggregation.scanFilter(), hint, 0)));
    return cursors.firstBatch(ns, result, doc -> doc, batchSize(reader, cursor), false);
  }

  /**
   * {@code {distinct: <collection>, key: <path>, query: {...}}}: the distinct values at the path among
   * the matching documents, in BSON order; an array there gives its elements (one level), and values
   * equal in BSON order (1 and 1.0) count once.
   */
  private BsonDocument distinct(CommandReader reader) {
    reader.checkFields(Set.of("key", "query", "collation", "hint"));
    String ns = reader.namespace();
    String key = reader.string("key");
    if (key.isEmpty() || key.startsWith("$") || Arrays.asList(key.split("\\.", -1)).contains("")) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "distinct's key must be a field path such as \"a.b\", found: '" + key + "'");
    }
    Filter filter = Filter.compile(reader.documentOr("query", new BsonDocument()));
    Hint hint = Hint.read(reader.document(), reader.name());
    TreeSet<BsonValue> values = new TreeSet<>(BsonOrder::compare);
    long[] bytes = {0};
    underReadLock(() -> {
      for (Iterator<BsonDocument> it = Matching.iterate(store, ns, filter, hint); it.hasNext(); ) {
        for (Optional<BsonValue> value : FieldPath.candidates(it.next(), key, FieldPath.LeafArrays.KEEP)) {
          for (BsonValue v : value.map(v -> v.isArray() ? v.asArray().getValues() : List.of(v)).orElse(List.of())) {
            if (values.add(v) && (bytes[0] += DocumentLimits.encodedSize(new BsonDocument("", v))) > MAX_REPLY_BYTES) {
              throw new SluiceException(ErrorCode.BSON_OBJECT_TOO_LARGE, "distinct too big: the distinct values of '" + key + "' in "
                  + ns + " are larger than " + MAX_REPLY_BYTES + " bytes; narrow the query or use aggregate with $group");
            }
          }
        }
      }
      return null;
    });
    BsonArray array = new BsonArray(new ArrayList<>(values));
    return Replies.ok().append("values", array);
  }

  /** The {@code batchSize} in {@code holder} (the command, or an aggregate's {@code cursor}); -1 if absent. */
  private static int batchSize(CommandReader reader, BsonDocument holder) {
    BsonValue value = holder.get("batchSize");
    if (value == null) {
      return -1;
    }
    if (!value.isNumber() || value.asNumber().longValue() < 0) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "BSON field '" + reader.name() + ".batchSize' must be a non-negative number, found "
          + value);
    }
    return (int) Math.min(Integer.MAX_VALUE, value.asNumber().longValue());
  }

  private BsonDocument count(CommandReader reader) {
    reader.checkFields(Set.of("query", "limit", "skip", "hint", "collation"));
    String ns = reader.namespace();
    BsonDocument query = reader.documentOr("query", new BsonDocument());
    long skip = nonNegative(reader, "skip");
    long limit = limit(reader);
    Filter filter = Filter.compile(query);
    Hint hint = Hint.read(reader.document(), reader.name());
    long n = underReadLock(() -> query.isEmpty() && hint.isNone() ? store.count(ns) : Matching.find(store, ns, filter, hint, 0).size());
    n = Math.max(0, n - skip);
    return Replies.ok().append("n", new BsonInt64(limit == 0 ? n : Math.min(n, limit)));
  }

  private BsonDocument listCollections(CommandReader reader) {
    reader.checkFields(Set.of("filter", "nameOnly", "authorizedCollections", "cursor"));
    String db = reader.database();
    Filter filter = Filter.compile(reader.documentOr("filter", new BsonDocument()));
    BsonArray batch = new BsonArray();
    for (Map.Entry<String, BsonDocument> e : underReadLock(store::collections).entrySet()) {
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

  /**
   * {@code {explain: {find: ...}, verbosity}}: the plan the command would use (which index, or a
   * collection scan) and, unless the verbosity is {@code queryPlanner}, how many documents it looked
   * at and how many matched. Explains find, count, distinct, aggregate (its leading $match),
   * findAndModify, and the first statement of update and delete, without writing anything.
   */
  private BsonDocument explain(CommandReader reader) {
    reader.checkFields(Set.of("verbosity"));
    BsonValue inner = reader.document().get("explain");
    if (!inner.isDocument() || inner.asDocument().isEmpty()) {
      throw CommandReader.wrongType("explain.explain", inner, "object");
    }
    String verbosity = reader.document().containsKey("verbosity") ? reader.string("verbosity") : "allPlansExecution";
    if (!Set.of("queryPlanner", "executionStats", "allPlansExecution").contains(verbosity)) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "verbosity string must be one of {'queryPlanner', 'executionStats', "
          + "'allPlansExecution'}, found '" + verbosity + "'");
    }
    BsonDocument command = inner.asDocument().clone();
    if (!command.containsKey("$db")) {
      command.append("$db", new BsonString(reader.database()));
    }
    CommandReader explained = new CommandReader(command);
    Explained target = Explained.of(explained);
    BsonDocument query = target.query();
    Filter filter = Filter.compile(query);
    String ns = explained.namespace();
    return underReadLock(() -> {
      QueryPlan plan = QueryPlan.choose(store, ns, filter, target.hint());
      BsonDocument reply = Replies.ok().append("queryPlanner", new BsonDocument("namespace", new BsonString(ns))
          .append("parsedQuery", query)
          .append("winningPlan", plan.describe(store, query))
          .append("rejectedPlans", new BsonArray()));
      if (!verbosity.equals("queryPlanner")) {
        long examined = 0;
        long matched = 0;
        for (Iterator<BsonDocument> it = plan.candidates(store); it.hasNext(); examined++) {
          matched += filter.matches(it.next()) ? 1 : 0;
        }
        reply.append("executionStats", new BsonDocument("executionSuccess", org.bson.BsonBoolean.TRUE)
            .append("nReturned", new BsonInt64(matched)).append("totalDocsExamined", new BsonInt64(examined)));
      }
      return reply.append("command", command);
    });
  }

  /** What explain needs of the command it explains: its filter document and its hint. */
  private record Explained(BsonDocument query, Hint hint) {
    static Explained of(CommandReader reader) {
      BsonDocument command = reader.document();
      String name = reader.name();
      return switch (name) {
        case "find" -> new Explained(reader.documentOr("filter", new BsonDocument()), Hint.read(command, name));
        case "count", "distinct", "findAndModify" -> new Explained(reader.documentOr("query", new BsonDocument()), Hint.read(command, name));
        case "aggregate" -> new Explained(Aggregation.leadingMatch(reader.array("pipeline")), Hint.read(command, name));
        case "update" -> firstStatement(reader, "updates");
        case "delete" -> firstStatement(reader, "deletes");
        default -> throw new SluiceException(ErrorCode.BAD_VALUE, "explain does not support the '" + name
            + "' command; it explains find, count, distinct, aggregate, findAndModify, update and delete");
      };
    }

    private static Explained firstStatement(CommandReader reader, String field) {
      BsonArray statements = reader.array(field);
      if (statements.isEmpty() || !statements.get(0).isDocument()) {
        throw new SluiceException(ErrorCode.FAILED_TO_PARSE, "explain of " + reader.name() + " needs one statement object in '" + field + "'");
      }
      BsonDocument statement = statements.get(0).asDocument();
      String where = reader.name() + "." + field + ".0";
      BsonValue q = statement.get("q");
      if (q == null || !q.isDocument()) {
        throw CommandReader.wrongType(where + ".q", q == null ? org.bson.BsonNull.VALUE : q, "object");
      }
      return new Explained(q.asDocument(), Hint.read(statement, where));
    }
  }

  private <T> T underReadLock(Supplier<T> read) {
    store.readLock().lock();
    try {
      return read.get();
    } finally {
      store.readLock().unlock();
    }
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
