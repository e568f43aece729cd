package io.sluice.statemachine.storage;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import io.sluice.statemachine.engine.FieldPath;
import java.util.ArrayList;
import java.util.List;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonNull;
import org.bson.BsonValue;

/**
 * The value tuples (one value per field) a document gives a compound index, MongoDB's way: a path
 * that meets an array gives a tuple per element, fields under the same array ({@code items.sku} and
 * {@code items.qty}) take their values from the same element, and fields under different arrays
 * cannot be indexed together (CannotIndexParallelArrays). A missing value, or an empty array, is
 * null. For each field, the values are those a query on it looks at ({@link FieldPath#candidates}),
 * so an index scan on one field finds every document a query on it matches. Paths have no numeric
 * parts: createIndexes refuses them.
 */
final class IndexTuples {
  private IndexTuples() {}

  /** The tuples, and whether any path met an array (the index is then multikey). */
  record Result(List<BsonValue[]> tuples, boolean multikey) {}

  static Result of(BsonDocument doc, List<String> paths) {
    List<BsonValue[]> tuples = new ArrayList<>();
    boolean multikey = collect(doc, paths.toArray(String[]::new), tuples);
    return new Result(tuples, multikey);
  }

  /** Adds the document's tuples for the paths (relative to it); true if a path met an array. */
  private static boolean collect(BsonDocument doc, String[] paths, List<BsonValue[]> out) {
    String shared = null;
    for (String path : paths) {
      String prefix = firstArrayPrefix(doc, path);
      if (prefix != null && shared != null && !shared.equals(prefix)) {
        throw new SluiceException(ErrorCode.CANNOT_INDEX_PARALLEL_ARRAYS, "cannot index parallel arrays [" + prefix + "] [" + shared + "]");
      }
      shared = prefix != null ? prefix : shared;
    }
    BsonValue[] plain = new BsonValue[paths.length];
    for (int i = 0; i < paths.length; i++) {
      plain[i] = FieldPath.get(doc, paths[i]).orElse(BsonNull.VALUE);
    }
    if (shared == null) {
      out.add(plain);
      return false;
    }
    BsonArray array = FieldPath.get(doc, shared).orElseThrow().asArray();
    if (array.isEmpty()) {
      out.add(withUnder(plain, paths, shared, BsonNull.VALUE));
      return true;
    }
    for (BsonValue element : array) {
      collectElement(element, plain, paths, shared, out);
    }
    return true;
  }

  /** The tuples of one element of the array at {@code shared}: the fields under it take their values from this element. */
  private static void collectElement(BsonValue element, BsonValue[] plain, String[] paths, String shared, List<BsonValue[]> out) {
    List<Integer> deeper = new ArrayList<>();
    BsonValue[] tuple = plain.clone();
    for (int i = 0; i < paths.length; i++) {
      if (paths[i].equals(shared)) {
        tuple[i] = element;
      } else if (paths[i].startsWith(shared + ".")) {
        deeper.add(i);
        tuple[i] = BsonNull.VALUE; // unless the element is a document that has it, below
      }
    }
    if (deeper.isEmpty() || !element.isDocument()) {
      out.add(tuple);
      return;
    }
    String[] rest = deeper.stream().map(i -> paths[i].substring(shared.length() + 1)).toArray(String[]::new);
    List<BsonValue[]> inner = new ArrayList<>();
    collect(element.asDocument(), rest, inner);
    for (BsonValue[] values : inner) {
      BsonValue[] combined = tuple.clone();
      for (int j = 0; j < rest.length; j++) {
        combined[deeper.get(j)] = values[j];
      }
      out.add(combined);
    }
  }

  private static BsonValue[] withUnder(BsonValue[] plain, String[] paths, String shared, BsonValue value) {
    BsonValue[] tuple = plain.clone();
    for (int i = 0; i < paths.length; i++) {
      if (paths[i].equals(shared) || paths[i].startsWith(shared + ".")) {
        tuple[i] = value;
      }
    }
    return tuple;
  }

  /** The shortest prefix of the path whose value is an array, descending through documents; null if there is none. */
  static String firstArrayPrefix(BsonDocument doc, String path) {
    BsonValue current = doc;
    int end = 0;
    while (end <= path.length()) {
      int dot = path.indexOf('.', end);
      int next = dot < 0 ? path.length() : dot;
      current = current.isDocument() ? current.asDocument().get(path.substring(end, next)) : null;
      if (current == null) {
        return null;
      }
      if (current.isArray()) {
        return path.substring(0, next);
      }
      end = next + 1;
    }
    return null;
  }
}
