package io.sluice.protocol;

import java.util.ArrayList;
import java.util.List;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/** MongoDB's default index name, shared by the client (which reports it) and the node (which stores it). */
public final class IndexNames {
  private IndexNames() {}

  /** Each field and its direction (or type) joined by '_': {@code {a: 1, b: -1}} is {@code a_1_b_-1}. */
  public static String defaultName(BsonDocument keys) {
    List<String> parts = new ArrayList<>();
    keys.forEach((field, direction) -> {
      parts.add(field);
      parts.add(render(direction));
    });
    return String.join("_", parts);
  }

  private static String render(BsonValue direction) {
    if (direction.isString()) {
      return direction.asString().getValue();
    }
    if (!direction.isNumber()) {
      return String.valueOf(direction);
    }
    double d = direction.asNumber().doubleValue();
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf((long) d) : String.valueOf(d);
  }
}
