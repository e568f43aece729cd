package io.sluice.node.cli;

import com.mongodb.client.model.changestream.FullDocument;
import com.mongodb.client.model.changestream.FullDocumentBeforeChange;
import io.sluice.client.ChangeStreamCursor;
import io.sluice.client.ChangeStreamDocument;
import io.sluice.client.ChangeStreamIterable;
import io.sluice.client.SluiceClient;
import io.sluice.protocol.ResumeToken;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sluice watch db.coll|db|'*'}: prints a change stream, one event per line as JSON, until stopped. */
@Command(name = "watch", mixinStandardHelpOptions = true, description = {
    "Print a change stream: one event per line as relaxed Extended JSON.",
    "TARGET is db.collection, a database name, or '*' for the whole cluster."})
final class WatchCommand implements Callable<Integer> {
  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "TARGET", description = "db.collection, db, or '*'")
  String target;

  @Option(names = "--connect", required = true, description = "connection string, e.g. sluice://127.0.0.1:7101,127.0.0.1:7102")
  String connect;

  @Option(names = "--filter", description = "a $match document applied to events, e.g. '{\"operationType\": \"insert\"}'")
  String filter;

  @Option(names = "--pipeline", description = "stages after $changeStream, as a JSON array")
  String pipeline;

  @Option(names = "--full-document", description = "default, updateLookup, whenAvailable or required")
  String fullDocument;

  @Option(names = "--full-document-before-change", description = "off, whenAvailable or required")
  String fullDocumentBeforeChange;

  @Option(names = "--resume-after", paramLabel = "TOKEN", description = "resume after this token (hex, or {\"_data\": ...})")
  String resumeAfter;

  @Option(names = "--start-after", paramLabel = "TOKEN", description = "start after this token; accepts an invalidate's token")
  String startAfter;

  @Option(names = "--node", description = "serve from this node: its number in the connection string (1, 2, ...) or host:port")
  String node;

  @Option(names = "--limit", description = "stop after this many events (0: run until stopped)")
  long limit;

  @Override
  public Integer call() {
    List<BsonDocument> stages = stages();
    ResumeToken after = resumeAfter == null ? null : token(resumeAfter);
    ResumeToken startAt = startAfter == null ? null : token(startAfter);
    PrintWriter out = spec.commandLine().getOut();
    try (SluiceClient client = SluiceClient.connect(connect)) {
      ChangeStreamIterable stream = stream(client, stages);
      if (fullDocument != null) {
        stream.fullDocument(FullDocument.fromString(fullDocument));
      }
      if (fullDocumentBeforeChange != null) {
        stream.fullDocumentBeforeChange(FullDocumentBeforeChange.fromString(fullDocumentBeforeChange));
      }
      if (after != null) {
        stream.resumeAfter(after);
      }
      if (startAt != null) {
        stream.startAfter(startAt);
      }
      if (node != null) {
        stream.onNode(nodeAddress(client));
      }
      try (ChangeStreamCursor<ChangeStreamDocument> cursor = stream.cursor()) {
        for (long n = 0; (limit == 0 || n < limit) && cursor.hasNext(); n++) {
          out.println(cursor.next().getDocument().toJson(JsonArgs.OUTPUT));
          out.flush();
        }
      }
    }
    return 0;
  }

  private ChangeStreamIterable stream(SluiceClient client, List<BsonDocument> stages) {
    if (target.equals("*")) {
      return client.watch(stages);
    }
    int dot = target.indexOf('.');
    return dot < 0 ? client.getDatabase(target).watch(stages)
        : client.getDatabase(target.substring(0, dot)).getCollection(target.substring(dot + 1)).watch(stages);
  }

  private List<BsonDocument> stages() {
    List<BsonDocument> stages = new ArrayList<>();
    if (filter != null) {
      stages.add(new BsonDocument("$match", JsonArgs.document("--filter", filter)));
    }
    if (pipeline != null) {
      BsonValue array = JsonArgs.document("--pipeline", "{\"p\": " + pipeline + "}").get("p");
      if (!array.isArray()) {
        throw new IllegalArgumentException("--pipeline must be a JSON array of stages, got: " + pipeline);
      }
      for (BsonValue stage : (BsonArray) array) {
        if (!stage.isDocument()) {
          throw new IllegalArgumentException("--pipeline stages must be JSON objects, got: " + stage);
        }
        stages.add(stage.asDocument());
      }
    }
    return stages;
  }

  private String nodeAddress(SluiceClient client) {
    List<String> addresses = client.connectionString().addresses();
    if (node.matches("\\d+")) {
      int n = Integer.parseInt(node);
      if (n < 1 || n > addresses.size()) {
        throw new IllegalArgumentException("--node " + node + " is not a node of the connection (1.." + addresses.size() + ")");
      }
      return addresses.get(n - 1);
    }
    return node;
  }

  private static ResumeToken token(String text) {
    String trimmed = text.trim();
    try {
      return trimmed.startsWith("{") ? ResumeToken.fromBson(JsonArgs.document("token", trimmed)) : ResumeToken.parse(trimmed);
    } catch (io.sluice.protocol.SluiceException e) {
      throw new IllegalArgumentException("bad resume token: " + e.reason());
    }
  }
}
