package io.sluice.statemachine.storage;

import io.sluice.statemachine.engine.BsonOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bson.BsonBoolean;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.BsonValue;

/**
 * A secondary index as MongoDB's {@code listIndexes} shows it: its name, its key pattern as given
 * (fields in order, each a positive number for ascending or a negative one for descending), and
 * whether it is unique and sparse. The caller has checked the pattern (see the createIndexes command).
 */
public record IndexSpec(String name, BsonDocument key, boolean unique, boolean sparse) {

  /** One field of the key pattern. */
  public record Field(String path, boolean descending) {}

  public IndexSpec {
    key = key.clone();
  }

  public List<Field> fields() {
    List<Field> fields = new ArrayList<>();
    for (Map.Entry<String, BsonValue> e : key.entrySet()) {
      fields.add(new Field(e.getKey(), e.getValue().asNumber().doubleValue() < 0));
    }
    return fields;
  }

  /**
   * True if the pattern has the same fields in the same order with the same directions: {@code {a: 1,
   * b: 1}} is not {@code {b: 1, a: 1}}, and {@code {a: 1}} is {@code {a: 1.0}}.
   */
  public boolean sameKey(BsonDocument pattern) {
    List<Map.Entry<String, BsonValue>> mine = new ArrayList<>(key.entrySet());
    List<Map.Entry<String, BsonValue>> theirs = new ArrayList<>(pattern.entrySet());
    if (mine.size() != theirs.size()) {
      return false;
    }
    for (int i = 0; i < mine.size(); i++) {
      if (!mine.get(i).getKey().equals(theirs.get(i).getKey()) || !BsonOrder.equal(mine.get(i).getValue(), theirs.get(i).getValue())) {
        return false;
      }
    }
    return true;
  }

  /** The same key pattern and the same options (the name aside). */
  public boolean sameIndexAs(IndexSpec other) {
    return sameKey(other.key) && unique == other.unique && sparse == other.sparse;
  }

  /** {@code {v: 2, key, name, unique?, sparse?}}, as listIndexes returns it and the store keeps it. */
  public BsonDocument toBson() {
    BsonDocument doc = new BsonDocument("v", new BsonInt32(2)).append("key", key.clone()).append("name", new BsonString(name));
    if (unique) {
      doc.append("unique", BsonBoolean.TRUE);
    }
    if (sparse) {
      doc.append("sparse", BsonBoolean.TRUE);
    }
    return doc;
  }

  static IndexSpec fromBson(BsonDocument doc) {
    return new IndexSpec(doc.getString("name").getValue(), doc.getDocument("key"),
        doc.getBoolean("unique", BsonBoolean.FALSE).getValue(), doc.getBoolean("sparse", BsonBoolean.FALSE).getValue());
  }
}
