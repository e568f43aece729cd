package io.sluice.statemachine.engine;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * The positional components of update paths, and their resolution into concrete paths for one
 * document: {@code $} is the first element of the array that the query's conditions on that array
 * match, {@code $[]} every element, {@code $[<id>]} every element the array filter {@code id}
 * matches. Components may nest ({@code grades.$[].marks.$[m]}); {@code $} may appear once.
 */
final class PositionalPaths {
  private PositionalPaths() {}

  static final String FIRST_MATCH = "$";
  static final String ALL = "$[]";

  /** What resolution needs besides the document: the update's query and array filters, and whether an upsert is inserting. */
  record Context(BsonDocument query, ArrayFilters arrayFilters, boolean inserting) {}

  static boolean isPositional(String part) {
    return part.equals(FIRST_MATCH) || (part.startsWith("$[") && part.endsWith("]"));
  }

  static boolean hasPositional(String[] path) {
    for (String part : path) {
      if (isPositional(part)) {
        return true;
      }
    }
    return false;
  }

  /** The identifier of a {@code $[<id>]} component; null for {@code $} and {@code $[]}. */
  static String identifier(String part) {
    return part.startsWith("$[") && part.length() > 3 ? part.substring(2, part.length() - 1) : null;
  }

  /** Checks where positional components stand in a parsed update path (MongoDB's errors). */
  static void check(String path, String[] parts) {
    int firstMatches = 0;
    for (int i = 0; i < parts.length; i++) {
      if (!isPositional(parts[i])) {
        continue;
      }
      if (i == 0) {
        throw new SluiceException(ErrorCode.BAD_VALUE, "Cannot have positional (i.e. '$') element in the first position in path '"
            + path + "'");
      }
      if (parts[i].equals(FIRST_MATCH) && ++firstMatches > 1) {
        throw new SluiceException(ErrorCode.BAD_VALUE, "Too many positional (i.e. '$') elements found in path '" + path + "'");
      }
    }
  }

  /** The concrete paths {@code path} stands for in {@code doc}, in array order. */
  static List<String[]> resolve(BsonDocument doc, String[] path, Context context) {
    List<String[]> out = new ArrayList<>();
    resolve(doc, doc, path, 0, new ArrayList<>(), context, out);
    return out;
  }

  private static void resolve(BsonDocument doc, BsonValue current, String[] path, int i, List<String> prefix, Context context,
      List<String[]> out) {
    if (i == path.length) {
      out.add(prefix.toArray(String[]::new));
      return;
    }
    String part = path[i];
    if (!isPositional(part)) {
      prefix.add(part);
      resolve(doc, current == null ? null : child(current, part), path, i + 1, prefix, context, out);
      prefix.remove(prefix.size() - 1);
      return;
    }
    String arrayPath = String.join(".", prefix);
    if (part.equals(FIRST_MATCH) && context.inserting()) {
      throw noFirstMatch();
    }
    if (current == null) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "The path '" + arrayPath + "' must exist in the document in order to apply "
          + "array updates.");
    }
    if (!current.isArray()) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "Cannot apply array updates to non-array element " + arrayPath + ": "
          + BsonValues.render(current));
    }
    BsonArray array = current.asArray();
    for (int index : indexes(doc, arrayPath, array, part, context)) {
      prefix.add(Integer.toString(index));
      resolve(doc, array.get(index), path, i + 1, prefix, context, out);
      prefix.remove(prefix.size() - 1);
    }
  }

  private static int[] indexes(BsonDocument doc, String arrayPath, BsonArray array, String part, Context context) {
    if (part.equals(FIRST_MATCH)) {
      return new int[] {firstMatch(context.query(), doc, arrayPath, array).orElseThrow(PositionalPaths::noFirstMatch)};
    }
    String identifier = identifier(part);
    return java.util.stream.IntStream.range(0, array.size())
        .filter(index -> identifier == null || context.arrayFilters().matches(identifier, array.get(index)))
        .toArray();
  }

  private static SluiceException noFirstMatch() {
    return new SluiceException(ErrorCode.BAD_VALUE, "The positional operator did not find the match needed from the query.");
  }

  private static BsonValue child(BsonValue current, String part) {
    if (current.isDocument()) {
      return current.asDocument().get(part);
    }
    int index = FieldPath.arrayIndex(part);
    return current.isArray() && index >= 0 && index < current.asArray().size() ? current.asArray().get(index) : null;
  }

  /**
   * The first element of the array at {@code arrayPath} that satisfies all of the query's conditions
   * on that array ({@code arrayPath} itself or paths below it, at the top level or in {@code $and}):
   * the element {@code $} stands for. Empty if the query has no such condition or no element passes.
   */
  static OptionalInt firstMatch(BsonDocument query, BsonDocument doc, String arrayPath, BsonArray array) {
    BsonArray conditions = new BsonArray();
    collectConditions(query, arrayPath, conditions);
    if (conditions.isEmpty()) {
      return OptionalInt.empty();
    }
    Filter filter = Filter.compile(new BsonDocument("$and", conditions));
    for (int i = 0; i < array.size(); i++) {
      BsonDocument probe = new BsonDocument();
      FieldPath.set(probe, arrayPath, new BsonArray(List.of(array.get(i))));
      if (filter.matches(probe)) {
        return OptionalInt.of(i);
      }
    }
    return OptionalInt.empty();
  }

  private static void collectConditions(BsonDocument query, String arrayPath, BsonArray out) {
    for (Map.Entry<String, BsonValue> e : query.entrySet()) {
      String key = e.getKey();
      if (key.equals("$and") && e.getValue().isArray()) {
        e.getValue().asArray().stream().filter(BsonValue::isDocument).forEach(d -> collectConditions(d.asDocument(), arrayPath, out));
      } else if (key.equals(arrayPath) || key.startsWith(arrayPath + ".")) {
        out.add(new BsonDocument(key, e.getValue()));
      }
    }
  }
}
