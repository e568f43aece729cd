package io.sluice.statemachine.engine;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * The output fields of {@code $addFields}/{@code $set} and {@code $project}: reading their specs
 * (nested documents are sub-specs, {@code {a: {b: x}}} is {@code {"a.b": x}}) and writing computed
 * values into documents with MongoDB's rules for dotted paths through arrays.
 */
final class ComputedFields {
  private ComputedFields() {}

  /** One output path and its spec value (an expression, or for {@code $project} possibly a 0/1 flag). */
  record Field(String path, String[] parts, BsonValue spec) {}

  /**
   * The leaf fields of a stage spec in order. A nested document whose first key does not start with
   * '$' is a sub-spec; an empty one is refused when {@code emptyIsError}, else it is the value {}.
   * Throws BAD_VALUE for invalid paths and for one path being a prefix of another.
   */
  static List<Field> flatten(String stage, BsonDocument spec, boolean emptyIsError) {
    List<Field> out = new ArrayList<>();
    flatten(stage, "", spec, emptyIsError, out);
    for (int i = 0; i < out.size(); i++) {
      for (int j = 0; j < out.size(); j++) {
        if (i != j && UpdatePaths.isPrefix(out.get(i).parts(), out.get(j).parts())) {
          throw new SluiceException(ErrorCode.BAD_VALUE, "Invalid " + stage + " :: caused by :: Path collision at "
              + out.get(j).path() + " with " + out.get(i).path());
        }
      }
    }
    return out;
  }

  private static void flatten(String stage, String prefix, BsonDocument spec, boolean emptyIsError, List<Field> out) {
    for (Map.Entry<String, BsonValue> e : spec.entrySet()) {
      String path = prefix + e.getKey();
      String[] parts = FieldPath.split(path);
      for (String part : parts) {
        if (part.isEmpty() || part.startsWith("$")) {
          throw new SluiceException(ErrorCode.BAD_VALUE, "Invalid " + stage + " :: caused by :: field path '" + path
              + "' is not valid: field names may not be empty or start with '$'");
        }
      }
      BsonValue value = e.getValue();
      if (value.isDocument() && value.asDocument().isEmpty() && emptyIsError) {
        throw new SluiceException(ErrorCode.BAD_VALUE, "Invalid " + stage + " :: caused by :: An empty sub-projection is "
            + "not a valid value. Found empty object at path " + path);
      }
      if (value.isDocument() && !value.asDocument().isEmpty() && !value.asDocument().getFirstKey().startsWith("$")) {
        flatten(stage, path + ".", value.asDocument(), emptyIsError, out);
      } else {
        out.add(new Field(path, parts, value));
      }
    }
  }

  /**
   * Sets (or, for {@code null}, removes) the value at the path in {@code doc}, which is mutated. On
   * the way, a document is descended into, an array has the rest of the path applied to each element
   * (an element that is not a document or array is replaced by a new document), and a missing or
   * scalar field is replaced by a new document, so {@code {"a.b": <missing>}} leaves {@code a: {}}.
   */
  static void set(BsonDocument doc, String[] parts, BsonValue value) {
    set(doc, parts, 0, value);
  }

  private static void set(BsonDocument doc, String[] parts, int i, BsonValue value) {
    String name = parts[i];
    if (i == parts.length - 1) {
      if (value == null) {
        doc.remove(name);
      } else {
        doc.put(name, value);
      }
      return;
    }
    BsonValue child = doc.get(name);
    if (child != null && child.isDocument()) {
      set(child.asDocument(), parts, i + 1, value);
    } else if (child != null && child.isArray()) {
      setInArray(child.asArray(), parts, i + 1, value);
    } else {
      BsonDocument created = new BsonDocument();
      set(created, parts, i + 1, value);
      doc.put(name, created);
    }
  }

  private static void setInArray(BsonArray array, String[] parts, int i, BsonValue value) {
    for (int k = 0; k < array.size(); k++) {
      BsonValue element = array.get(k);
      if (element.isDocument()) {
        set(element.asDocument(), parts, i, value == null ? null : BsonValues.copy(value));
      } else if (element.isArray()) {
        setInArray(element.asArray(), parts, i, value);
      } else {
        BsonDocument created = new BsonDocument();
        set(created, parts, i, value == null ? null : BsonValues.copy(value));
        array.set(k, created);
      }
    }
  }
}
