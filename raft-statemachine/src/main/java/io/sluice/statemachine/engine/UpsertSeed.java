package io.sluice.statemachine.engine;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * The document an upsert starts from: the equality conditions of its filter ({@code field: value},
 * {@code field: {$eq: value}}, also inside {@code $and}), as MongoDB does. Other conditions add nothing.
 */
final class UpsertSeed {
  private UpsertSeed() {}

  static BsonDocument of(BsonDocument filter) {
    BsonDocument seed = new BsonDocument();
    collect(filter, seed, new ArrayList<>());
    return seed;
  }

  private static void collect(BsonDocument filter, BsonDocument seed, List<String[]> taken) {
    for (Map.Entry<String, BsonValue> e : filter.entrySet()) {
      String name = e.getKey();
      BsonValue value = e.getValue();
      if (name.equals("$and") && value.isArray()) {
        for (BsonValue clause : value.asArray()) {
          if (clause.isDocument()) {
            collect(clause.asDocument(), seed, taken);
          }
        }
      } else if (!name.startsWith("$")) {
        if (FieldOperators.isOperatorDocument(value)) {
          BsonValue eq = value.asDocument().get("$eq");
          if (eq != null) {
            add(name, eq, seed, taken);
          }
        } else if (!value.isRegularExpression()) {
          add(name, value, seed, taken);
        }
      }
    }
  }

  private static void add(String path, BsonValue value, BsonDocument seed, List<String[]> taken) {
    String[] parts = FieldPath.split(path);
    for (String part : parts) {
      if (part.isEmpty() || part.startsWith("$")) {
        return;
      }
    }
    for (String[] other : taken) {
      if (UpdatePaths.isPrefix(other, parts) || UpdatePaths.isPrefix(parts, other)) {
        String a = String.join(".", other);
        throw new SluiceException(ErrorCode.BAD_VALUE, a.equals(path)
            ? "cannot infer query fields to set, path '" + path + "' is matched twice"
            : "cannot infer query fields to set, both paths '" + a + "' and '" + path + "' are matched");
      }
    }
    taken.add(parts);
    FieldPath.set(seed, parts, BsonValues.copy(value), ChangeLog.DISCARD);
  }
}
