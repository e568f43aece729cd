package io.sluice.node.cli;

import org.bson.BsonDocument;
import org.bson.BsonInvalidOperationException;
import org.bson.json.JsonMode;
import org.bson.json.JsonParseException;
import org.bson.json.JsonWriterSettings;

/** JSON on the command line: documents in (Extended JSON), one line of relaxed Extended JSON out. */
final class JsonArgs {
  static final JsonWriterSettings OUTPUT = JsonWriterSettings.builder().outputMode(JsonMode.RELAXED).build();

  private JsonArgs() {}

  /** Parses {@code json} as a document; bad JSON is bad input, named by {@code what}. */
  static BsonDocument document(String what, String json) {
    try {
      return BsonDocument.parse(json);
    } catch (JsonParseException | BsonInvalidOperationException e) {
      throw new IllegalArgumentException(what + " is not valid JSON: " + e.getMessage());
    }
  }
}
