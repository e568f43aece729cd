package io.sluice.statemachine.engine;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonNull;
import org.bson.BsonValue;

/**
 * Dotted paths ({@code a.b.0.c}) on BSON documents. A component that is a plain non-negative integer
 * indexes an array; any other component names a document field.
 */
public final class FieldPath {
  private FieldPath() {}

  /** MongoDB refuses to pad an array with more than this many nulls in one update. */
  static final int MAX_PADDING = 1_500_000;

  /** What {@link #candidates} offers when the path ends at an array. */
  public enum LeafArrays {
    /** The array itself only. */
    KEEP,
    /** Each element of the array, then the array itself: how equality and comparisons see arrays. */
    EXPAND
  }

  /** The value at exactly this path; a numeric component indexes an array. Empty if anything is missing. */
  public static Optional<BsonValue> get(BsonDocument doc, String path) {
    BsonValue current = doc;
    for (String part : split(path)) {
      if (current.isDocument()) {
        current = current.asDocument().get(part);
      } else if (current.isArray()) {
        int index = arrayIndex(part);
        current = index >= 0 && index < current.asArray().size() ? current.asArray().get(index) : null;
      } else {
        current = null;
      }
      if (current == null) {
        return Optional.empty();
      }
    }
    return Optional.of(current);
  }

  /**
   * Sets the value at the path, creating missing documents on the way; a numeric component on an
   * array sets that index, padding with nulls. Existing fields keep their position, new ones are
   * appended. Throws BAD_VALUE if the path runs through a value that is neither document nor array.
   */
  public static void set(BsonDocument doc, String path, BsonValue value) {
    set(doc, checkedSplit(path), value, ChangeLog.DISCARD);
  }

  /** Removes the field at the path; an array element is set to null instead. True if the path existed. */
  public static boolean unset(BsonDocument doc, String path) {
    return unset(doc, split(path), ChangeLog.DISCARD);
  }

  /** {@link #candidates(BsonDocument, String, LeafArrays)} with {@link LeafArrays#EXPAND}. */
  public static List<Optional<BsonValue>> candidates(BsonDocument doc, String path) {
    return candidates(doc, path, LeafArrays.EXPAND);
  }

  /**
   * The values a query predicate on this path looks at, with MongoDB's array semantics: a non-numeric
   * component on an array descends into each element that is a document; a numeric component on an
   * array also takes that element; at the end of the path an array is offered as its elements and
   * itself ({@link LeafArrays#EXPAND}) or only itself. {@code Optional.empty()} marks a branch where the
   * path is missing (a document without the field, or a scalar with path left), which equality to null
   * and {@code $exists} care about. Array elements that are not documents are skipped silently.
   */
  public static List<Optional<BsonValue>> candidates(BsonDocument doc, String path, LeafArrays leafArrays) {
    List<Optional<BsonValue>> out = new ArrayList<>();
    collect(doc, split(path), 0, leafArrays, out);
    return out;
  }

  private static void collect(BsonValue current, String[] parts, int i, LeafArrays leafArrays,
      List<Optional<BsonValue>> out) {
    if (i == parts.length) {
      if (current.isArray() && leafArrays == LeafArrays.EXPAND) {
        for (BsonValue element : current.asArray()) {
          out.add(Optional.of(element));
        }
      }
      out.add(Optional.of(current));
      return;
    }
    if (current.isDocument()) {
      BsonValue child = current.asDocument().get(parts[i]);
      if (child == null) {
        out.add(Optional.empty());
      } else {
        collect(child, parts, i + 1, leafArrays, out);
      }
    } else if (current.isArray()) {
      BsonArray array = current.asArray();
      int index = arrayIndex(parts[i]);
      int before = out.size();
      if (index >= 0 && index < array.size()) {
        collect(array.get(index), parts, i + 1, leafArrays, out);
      }
      for (BsonValue element : array) {
        if (element.isDocument() && (index < 0 || element.asDocument().containsKey(parts[i]))) {
          collect(element, parts, i, leafArrays, out);
        }
      }
      if (index >= 0 && out.size() == before) {
        out.add(Optional.empty());
      }
    } else {
      out.add(Optional.empty());
    }
  }

  /** Splits a dotted path into its components. */
  static String[] split(String path) {
    return path.split("\\.", -1);
  }

  /** Splits a path to be written to, refusing empty components. */
  static String[] checkedSplit(String path) {
    String[] parts = split(path);
    for (String part : parts) {
      if (part.isEmpty()) {
        throw new SluiceException(ErrorCode.BAD_VALUE, "The path '" + path + "' contains an empty field name, which is not allowed");
      }
    }
    return parts;
  }

  /** The array index a component names, or -1 if it is not a plain non-negative integer (no sign, no leading zero). */
  static int arrayIndex(String part) {
    int n = part.length();
    if (n == 0 || n > 9 || (n > 1 && part.charAt(0) == '0')) {
      return -1;
    }
    int value = 0;
    for (int i = 0; i < n; i++) {
      char c = part.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }

  static String join(String[] parts, int count) {
    return String.join(".", java.util.Arrays.asList(parts).subList(0, count));
  }

  /** Sets the value (used as is, not copied) and records the change; nothing is recorded if the value is already there. */
  static void set(BsonDocument doc, String[] parts, BsonValue value, ChangeLog log) {
    BsonValue current = doc;
    for (int i = 0; i < parts.length; i++) {
      boolean last = i == parts.length - 1;
      String part = parts[i];
      if (current.isDocument()) {
        BsonDocument container = current.asDocument();
        BsonValue child = container.get(part);
        if (child != null && !last) {
          current = child;
          continue;
        }
        if (child != null && BsonValues.identical(child, value)) {
          return;
        }
        BsonValue created = last ? value : nested(parts, i + 1, value);
        container.put(part, created);
        log.updated(join(parts, i + 1), created);
        return;
      }
      if (!current.isArray() || arrayIndex(part) < 0) {
        throw notViable(parts, i, current);
      }
      BsonArray array = current.asArray();
      int index = arrayIndex(part);
      if (index < array.size()) {
        if (!last) {
          current = array.get(index);
          continue;
        }
        if (!BsonValues.identical(array.get(index), value)) {
          array.set(index, value);
          log.updated(join(parts, i + 1), value);
        }
        return;
      }
      if (index - array.size() > MAX_PADDING) {
        throw new SluiceException(ErrorCode.BAD_VALUE, "can't backfill array '" + join(parts, i) + "' to index " + index
            + ": at most " + MAX_PADDING + " elements may be padded with null");
      }
      String arrayPath = join(parts, i);
      while (array.size() < index) {
        log.updated(arrayPath + "." + array.size(), BsonNull.VALUE);
        array.add(BsonNull.VALUE);
      }
      BsonValue created = last ? value : nested(parts, i + 1, value);
      array.add(created);
      log.updated(join(parts, i + 1), created);
      return;
    }
  }

  private static BsonValue nested(String[] parts, int from, BsonValue value) {
    BsonValue result = value;
    for (int i = parts.length - 1; i >= from; i--) {
      result = new BsonDocument(parts[i], result);
    }
    return result;
  }

  private static SluiceException notViable(String[] parts, int i, BsonValue blocker) {
    String where = i == 0 ? "the document" : "element {" + parts[i - 1] + ": " + BsonValues.render(blocker) + "}";
    return new SluiceException(ErrorCode.BAD_VALUE, "Cannot create field '" + parts[i] + "' in " + where
        + " while setting the path '" + String.join(".", parts) + "'");
  }

  /** Removes the field (an array element becomes null) and records it. True if the path existed. */
  static boolean unset(BsonDocument doc, String[] parts, ChangeLog log) {
    BsonValue current = doc;
    for (int i = 0; i < parts.length; i++) {
      boolean last = i == parts.length - 1;
      if (current.isDocument()) {
        BsonDocument container = current.asDocument();
        if (last) {
          if (container.remove(parts[i]) == null) {
            return false;
          }
          log.removed(String.join(".", parts));
          return true;
        }
        current = container.get(parts[i]);
      } else if (current.isArray()) {
        BsonArray array = current.asArray();
        int index = arrayIndex(parts[i]);
        if (index < 0 || index >= array.size()) {
          return false;
        }
        if (last) {
          if (!array.get(index).isNull()) {
            array.set(index, BsonNull.VALUE);
            log.updated(String.join(".", parts), BsonNull.VALUE);
          }
          return true;
        }
        current = array.get(index);
      } else {
        return false;
      }
      if (current == null) {
        return false;
      }
    }
    return false;
  }
}
