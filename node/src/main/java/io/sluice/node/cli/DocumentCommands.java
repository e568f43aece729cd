package io.sluice.node.cli;

import com.mongodb.client.model.UpdateOptions;
import io.sluice.client.FindIterable;
import io.sluice.client.ReadPreference;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceCollection;
import io.sluice.client.WriteResult;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.Document;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sluice insert|find|update|delete db.collection ...}: documents and filters in as (Extended)
 * JSON, one line of relaxed Extended JSON out per document or result, as {@code mongosh --eval} would print.
 */
final class DocumentCommands {
  private DocumentCommands() {}

  /** What every document command shares: the connection, the namespace, and printing one JSON line. */
  abstract static class Base implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAMESPACE", description = "db.collection")
    String namespace;

    @Option(names = "--connect", required = true, description = "connection string, e.g. sluice://127.0.0.1:7101,127.0.0.1:7102")
    String connect;

    @Override
    public final Integer call() {
      int dot = namespace.indexOf('.');
      if (dot <= 0 || dot == namespace.length() - 1) {
        throw new IllegalArgumentException("NAMESPACE must be db.collection, got '" + namespace + "'");
      }
      check();
      try (SluiceClient client = SluiceClient.connect(connect)) {
        run(client.getDatabase(namespace.substring(0, dot)).getCollection(namespace.substring(dot + 1)), spec.commandLine().getOut());
      }
      return 0;
    }

    /** Checks and parses the arguments before any node is contacted. */
    abstract void check();

    abstract void run(SluiceCollection collection, PrintWriter out);

    static void print(PrintWriter out, BsonDocument document) {
      out.println(document.toJson(JsonArgs.OUTPUT));
      out.flush();
    }

    /** Prints a write's result line, ending with the write's position in the log. */
    static void print(PrintWriter out, BsonDocument line, WriteResult result) {
      print(out, line.append("position", result.position().toBson()));
    }
  }

  @Command(name = "insert", mixinStandardHelpOptions = true, description = {
      "Insert documents; prints each one's _id and log position.",
      "Example: sluice insert shop.orders '{\"_id\": 1, \"total\": 10}'"})
  static final class Insert extends Base {
    @Parameters(index = "1..*", arity = "1..*", paramLabel = "DOCUMENT", description = "documents as JSON, one argument each")
    List<String> documents;

    private List<BsonDocument> parsed;

    @Override
    void check() {
      parsed = documents.stream().map(d -> JsonArgs.document("DOCUMENT", d)).toList();
    }

    @Override
    void run(SluiceCollection collection, PrintWriter out) {
      for (BsonDocument document : parsed) {
        WriteResult result = collection.insertOne(new Document(document));
        BsonDocument line = new BsonDocument();
        result.insertedId().ifPresent(id -> line.append("insertedId", id));
        print(out, line, result);
      }
    }
  }

  @Command(name = "find", mixinStandardHelpOptions = true, description = {
      "Print the documents that match FILTER (default: all), one per line.",
      "Example: sluice find shop.orders '{\"total\": {\"$gt\": 5}}' --sort '{\"total\": -1}' --limit 10"})
  static final class Find extends Base {
    @Parameters(index = "1", arity = "0..1", paramLabel = "FILTER", description = "a query filter as JSON (default: {})")
    String filter = "{}";

    @Option(names = "--projection", description = "fields to return, as JSON")
    String projection;

    @Option(names = "--sort", description = "sort order, as JSON, e.g. '{\"total\": -1}'")
    String sort;

    @Option(names = "--limit", description = "return at most this many documents (0: no limit)")
    int limit;

    @Option(names = "--skip", description = "skip this many documents first")
    int skip;

    @Option(names = "--follower", description = "read from a follower: it may not have applied the newest writes yet")
    boolean follower;

    private BsonDocument query;
    private BsonDocument projectionSpec;
    private BsonDocument sortSpec;

    @Override
    void check() {
      if (limit < 0 || skip < 0) {
        throw new IllegalArgumentException("--limit and --skip must be 0 or more, got " + limit + " and " + skip);
      }
      query = JsonArgs.document("FILTER", filter);
      projectionSpec = projection == null ? null : JsonArgs.document("--projection", projection);
      sortSpec = sort == null ? null : JsonArgs.document("--sort", sort);
    }

    @Override
    void run(SluiceCollection collection, PrintWriter out) {
      SluiceCollection from = follower ? collection.withReadPreference(ReadPreference.follower()) : collection;
      FindIterable find = from.find(query).limit(limit).skip(skip);
      if (projectionSpec != null) {
        find.projection(projectionSpec);
      }
      if (sortSpec != null) {
        find.sort(sortSpec);
      }
      find.forEach(document -> print(out, document.toBsonDocument()));
    }
  }

  @Command(name = "update", mixinStandardHelpOptions = true, description = {
      "Update the first document that matches FILTER (all of them with --many); prints the counts.",
      "Example: sluice update shop.orders '{\"_id\": 1}' '{\"$set\": {\"status\": \"paid\"}}'"})
  static final class Update extends Base {
    @Parameters(index = "1", paramLabel = "FILTER", description = "a query filter as JSON")
    String filter;

    @Parameters(index = "2", paramLabel = "UPDATE", description = "an update document ($set, $inc, ...) as JSON")
    String update;

    @Option(names = "--many", description = "update every matching document")
    boolean many;

    @Option(names = "--upsert", description = "insert a document if none matches")
    boolean upsert;

    private BsonDocument query;
    private BsonDocument change;

    @Override
    void check() {
      query = JsonArgs.document("FILTER", filter);
      change = JsonArgs.document("UPDATE", update);
    }

    @Override
    void run(SluiceCollection collection, PrintWriter out) {
      UpdateOptions options = new UpdateOptions().upsert(upsert);
      WriteResult result = many ? collection.updateMany(query, change, options) : collection.updateOne(query, change, options);
      BsonDocument line = new BsonDocument("matchedCount", new BsonInt64(result.matchedCount()))
          .append("modifiedCount", new BsonInt64(result.modifiedCount()));
      result.upsertedId().ifPresent(id -> line.append("upsertedId", id));
      print(out, line, result);
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true, description = {
      "Delete the first document that matches FILTER (all of them with --many); prints the count.",
      "Example: sluice delete shop.orders '{\"status\": \"cancelled\"}' --many"})
  static final class Delete extends Base {
    @Parameters(index = "1", paramLabel = "FILTER", description = "a query filter as JSON ('{}' with --many deletes everything)")
    String filter;

    @Option(names = "--many", description = "delete every matching document")
    boolean many;

    private BsonDocument query;

    @Override
    void check() {
      query = JsonArgs.document("FILTER", filter);
    }

    @Override
    void run(SluiceCollection collection, PrintWriter out) {
      WriteResult result = many ? collection.deleteMany(query) : collection.deleteOne(query);
      print(out, new BsonDocument("deletedCount", new BsonInt64(result.deletedCount())), result);
    }
  }
}
