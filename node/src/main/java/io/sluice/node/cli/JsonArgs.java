package io.sluice.node.cli;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import org.bson.BsonDocument;
import org.bson.BsonInvalidOperationException;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.codecs.DecoderContext;
import org.bson.json.JsonMode;
import org.bson.json.JsonParseException;
import org.bson.json.JsonReader;
import org.bson.json.JsonWriterSettings;

/** JSON on the command line: documents in (Extended JSON), one line of relaxed Extended JSON out. */
final class JsonArgs {
  static final JsonWriterSettings OUTPUT = JsonWriterSettings.builder().outputMode(JsonMode.RELAXED).build();

  private JsonArgs() {}

  /**
   * Parses {@code json} as one document; bad JSON, or anything but spaces after the document (a second
   * document, a stray brace), is bad input, named by {@code what}.
   */
  static BsonDocument document(String what, String json) {
    StringReader text = new StringReader(json);
    BsonDocument document;
    try {
      document = new BsonDocumentCodec().decode(new JsonReader(text), DecoderContext.builder().build());
    } catch (JsonParseException | BsonInvalidOperationException e) {
      throw new IllegalArgumentException(what + " is not valid JSON: " + e.getMessage());
    }
    String rest = remainder(text).strip();
    if (!rest.isEmpty()) {
      throw new IllegalArgumentException(what + " has text after the document: '" + abbreviate(rest) + "' (one document per argument)");
    }
    return document;
  }

  /** What the JSON reader left: it reads no further than the document's closing brace. */
  private static String remainder(StringReader text) {
    try {
      StringBuilder rest = new StringBuilder();
      char[] buffer = new char[256];
      for (int n = text.read(buffer); n >= 0; n = text.read(buffer)) {
        rest.append(buffer, 0, n);
      }
      return rest.toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String abbreviate(String text) {
    return text.length() <= 40 ? text : text.substring(0, 40) + "...";
  }
}
