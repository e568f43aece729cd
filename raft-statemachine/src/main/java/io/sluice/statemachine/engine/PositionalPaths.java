package io.sluice.statemachine.engine;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.stream.IntStream;
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

  /** The most concrete paths one update may resolve to in one document: each is written, and each costs memory first. */
  static final int MAX_RESOLVED_PATHS = 1_000_000;

  /**
   * What resolution needs besides the document: the update's query and array filters, whether an
   * upsert is inserting, and what was already worked out for this document (each {@code $} index
   * and each array's elements an identifier picks), so that many paths through one array cost one look.
   */
  static final class Context {
    private final BsonDocument query;
    private final ArrayFilters arrayFilters;
    private final boolean inserting;
    private final Map<String, OptionalInt> firstMatches = new HashMap<>();
    private final Map<String, int[]> picked = new HashMap<>();
    private int resolved;

    Context(BsonDocument query, ArrayFilters arrayFilters, boolean inserting) {
      this.query = query;
      this.arrayFilters = arrayFilters;
      this.inserting = inserting;
    }

    boolean inserting() {
      return inserting;
    }
  }

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
      if (++context.resolved > MAX_RESOLVED_PATHS) {
        throw new SluiceException(ErrorCode.BAD_VALUE, "this update resolves to more than " + MAX_RESOLVED_PATHS + " paths in "
            + BsonValues.describeId(doc) + "; split it or use fewer positional paths");
      }
      out.add(prefix.toArray(String[]::new));
      return;
    }
    String part = path[i];
    if (!isPositional(part)) {
      prefix.add(part);
      BsonValue child = current == null ? null : child(current, part);
      if (child == null && !hasPositional(java.util.Arrays.copyOfRange(path, i + 1, path.length))) {
        // Nothing below to resolve: the rest of the path is written as it is (and created).
        resolve(doc, null, path, path.length, appendAll(prefix, path, i + 1), context, out);
        prefix.subList(prefix.size() - (path.length - i), prefix.size()).clear();
        return;
      }
      resolve(doc, child, path, i + 1, prefix, context, out);
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

  private static List<String> appendAll(List<String> prefix, String[] path, int from) {
    prefix.addAll(java.util.Arrays.asList(path).subList(from, path.length));
    return prefix;
  }

  private static int[] indexes(BsonDocument doc, String arrayPath, BsonArray array, String part, Context context) {
    if (part.equals(FIRST_MATCH)) {
      OptionalInt first = context.firstMatches.computeIfAbsent(arrayPath, p -> firstMatch(context.query, doc, p, array));
      return new int[] {first.orElseThrow(PositionalPaths::noFirstMatch)};
    }
    String identifier = identifier(part);
    if (identifier == null) {
      return IntStream.range(0, array.size()).toArray();
    }
    return context.picked.computeIfAbsent(arrayPath + "\u0000" + identifier, key -> IntStream.range(0, array.size())
        .filter(index -> context.arrayFilters.matches(identifier, array.get(index))).toArray());
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
   * The element {@code $} stands for in the array at {@code arrayPath}: as in MongoDB, each of the
   * query's conditions on that array (on {@code arrayPath} itself or paths below it, at the top level
   * or in {@code $and}) that a single element can satisfy names the first element that does, and the
   * last such condition wins. Negations ({@code $ne $nin $not}) and conditions on the array as a whole
   * ({@code $size $exists}, {@code $all} of several values, equality to an array) name no element.
   * Empty if no condition names one.
   */
  static OptionalInt firstMatch(BsonDocument query, BsonDocument doc, String arrayPath, BsonArray array) {
    List<BsonDocument> conditions = new ArrayList<>();
    collectConditions(query, arrayPath, conditions);
    OptionalInt last = OptionalInt.empty();
    for (BsonDocument condition : conditions) {
      Filter filter = Filter.compile(condition);
      for (int i = 0; i < array.size(); i++) {
        BsonDocument probe = new BsonDocument();
        FieldPath.set(probe, arrayPath, new BsonArray(List.of(array.get(i))));
        if (filter.matches(probe)) {
          last = OptionalInt.of(i);
          break;
        }
      }
    }
    return last;
  }

  private static void collectConditions(BsonDocument query, String arrayPath, List<BsonDocument> out) {
    for (Map.Entry<String, BsonValue> e : query.entrySet()) {
      String key = e.getKey();
      if (key.equals("$and") && e.getValue().isArray()) {
        e.getValue().asArray().stream().filter(BsonValue::isDocument).forEach(d -> collectConditions(d.asDocument(), arrayPath, out));
      } else if ((key.equals(arrayPath) || key.startsWith(arrayPath + ".")) && namesAnElement(e.getValue())) {
        out.add(new BsonDocument(key, e.getValue()));
      }
    }
  }

  private static final java.util.Set<String> NO_ELEMENT = java.util.Set.of("$ne", "$nin", "$not", "$size", "$exists");

  /** Whether a condition can be satisfied by one element (see {@link #firstMatch}). */
  private static boolean namesAnElement(BsonValue condition) {
    if (condition.isArray()) {
      return false;
    }
    if (!condition.isDocument() || condition.asDocument().isEmpty() || !condition.asDocument().getFirstKey().startsWith("$")) {
      return true;
    }
    for (Map.Entry<String, BsonValue> op : condition.asDocument().entrySet()) {
      if (NO_ELEMENT.contains(op.getKey()) || (op.getKey().equals("$all") && op.getValue().isArray() && op.getValue().asArray().size() > 1)) {
        return false;
      }
    }
    return true;
  }
}
