package io.sluice.statemachine.storage;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import java.util.Map;
import java.util.stream.Collectors;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/** MongoDB's {@code E11000} error: a write would give two documents the same key in a unique index. */
public final class DuplicateKeyError {
  private DuplicateKeyError() {}

  /** {@code key} holds the indexed fields and the values that clash, e.g. {@code {email: "a@b"}}. */
  public static SluiceException of(String namespace, String indexName, BsonDocument key) {
    String fields = key.entrySet().stream().map(DuplicateKeyError::render).collect(Collectors.joining(", "));
    return new SluiceException(ErrorCode.DUPLICATE_KEY, "E11000 duplicate key error collection: " + namespace
        + " index: " + indexName + " dup key: { " + fields + " }");
  }

  private static String render(Map.Entry<String, BsonValue> field) {
    String json = new BsonDocument("v", field.getValue()).toJson();
    return field.getKey() + ": " + json.substring("{\"v\": ".length(), json.length() - 1);
  }
}
