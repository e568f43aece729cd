package io.sluice.statemachine.engine;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * A find projection: inclusion ({@code {a: 1, "b.c": 1}}, {@code _id} included unless {@code _id: 0})
 * or exclusion ({@code {a: 0}}), with the array projections of {@link ArrayProjection}
 * ({@code $slice}, {@code $elemMatch}, {@code "a.$"}). Dotted paths reach through arrays into each
 * element that is a document. Output keeps the document's field order.
 */
public final class Projection {
  private static final String ID = "_id";
  private static final Projection IDENTITY = new Projection(null, false, List.of());

  /** A node of the path tree: a leaf (the whole field is included or excluded) or named children. */
  private static final class Node {
    boolean leaf;
    final Map<String, Node> children = new LinkedHashMap<>();
  }

  private final Node root;
  private final boolean inclusion;
  private final List<ArrayProjection> arrays;

  private Projection(Node root, boolean inclusion, List<ArrayProjection> arrays) {
    this.root = root;
    this.inclusion = inclusion;
    this.arrays = arrays;
  }

  /** Compiles a projection; throws BAD_VALUE for mixed inclusion and exclusion, path collisions or unsupported values. */
  public static Projection compile(BsonDocument spec) {
    if (spec.isEmpty()) {
      return IDENTITY;
    }
    Boolean inclusion = null;
    boolean includeId = true;
    Node root = new Node();
    List<ArrayProjection> arrays = new ArrayList<>();
    for (Map.Entry<String, BsonValue> e : spec.entrySet()) {
      String path = e.getKey();
      checkPath(path);
      ArrayProjection array = ArrayProjection.compile(path, e.getValue());
      if (array != null) {
        if (arrays.stream().anyMatch(a -> a.path.equals(array.path))) {
          throw new SluiceException(ErrorCode.BAD_VALUE, "Path collision at " + path);
        }
        arrays.add(array);
        if (array.isInclusion()) {
          inclusion = mode(inclusion, true, path);
          add(root, array.path);
        }
        continue;
      }
      boolean include = flag(path, e.getValue());
      if (path.equals(ID)) {
        includeId = include;
        continue;
      }
      inclusion = mode(inclusion, include, path);
      add(root, path);
    }
    if (spec.keySet().stream().filter(k -> k.endsWith(".$")).count() > 1) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "Cannot specify more than one positional projection per query");
    }
    // Only $slice and _id: an exclusion projection that excludes nothing else (or only _id).
    boolean inclusive = inclusion != null ? inclusion : arrays.isEmpty() && includeId;
    if (inclusive) {
      // A $slice in an inclusion projection includes its field (sliced); in an exclusion one, it leaves it.
      for (ArrayProjection array : arrays) {
        if (!array.isInclusion()) {
          add(root, array.path);
        }
      }
    }
    if (inclusive == includeId && !root.children.containsKey(ID)) {
      add(root, ID);
    }
    return new Projection(root.children.isEmpty() && !inclusive ? null : root, inclusive, List.copyOf(arrays));
  }

  private static boolean mode(Boolean inclusion, boolean include, String path) {
    if (inclusion != null && inclusion != include) {
      throw new SluiceException(ErrorCode.BAD_VALUE, include
          ? "Cannot do inclusion on field " + path + " in exclusion projection"
          : "Cannot do exclusion on field " + path + " in inclusion projection");
    }
    return include;
  }

  /** The projected copy of the document; the document itself is not changed. A positional {@code "a.$"} is refused. */
  public BsonDocument apply(BsonDocument doc) {
    return apply(doc, new BsonDocument());
  }

  /** The projected copy of a document that {@code query} matched (it locates a positional {@code "a.$"}). */
  public BsonDocument apply(BsonDocument doc, BsonDocument query) {
    BsonDocument out = root == null ? BsonValues.copy(doc) : inclusion ? include(doc, root) : exclude(doc, root);
    for (ArrayProjection array : arrays) {
      array.apply(doc, out, query);
    }
    return out;
  }

  private static void checkPath(String path) {
    if (path.isEmpty() || path.startsWith("$") || path.contains("..") || path.startsWith(".") || path.endsWith(".")) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "projection path '" + path + "' is not valid");
    }
  }

  private static boolean flag(String path, BsonValue value) {
    if (value.isBoolean()) {
      return value.asBoolean().getValue();
    }
    if (BsonValues.isNumber(value)) {
      return FieldOperators.truthy(value);
    }
    throw new SluiceException(ErrorCode.BAD_VALUE, "projection values other than 0, 1, true, false, {$slice: ...} and "
        + "{$elemMatch: {...}} are not supported: '" + path + "': " + BsonValues.render(value));
  }

  private static void add(Node root, String path) {
    String[] parts = FieldPath.split(path);
    Node node = root;
    for (int i = 0; i < parts.length; i++) {
      if (node.leaf) {
        throw new SluiceException(ErrorCode.BAD_VALUE, "Path collision at " + path + " remaining portion "
            + String.join(".", java.util.Arrays.copyOfRange(parts, i, parts.length)));
      }
      if (parts[i].startsWith("$")) {
        throw new SluiceException(ErrorCode.BAD_VALUE, "projection path '" + path + "' is not valid: positional and "
            + "$-prefixed projections are not supported");
      }
      node = node.children.computeIfAbsent(parts[i], k -> new Node());
    }
    if (node.leaf || !node.children.isEmpty()) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "Path collision at " + path);
    }
    node.leaf = true;
  }

  private static BsonDocument include(BsonDocument doc, Node node) {
    BsonDocument out = new BsonDocument();
    for (Map.Entry<String, BsonValue> e : doc.entrySet()) {
      Node child = node.children.get(e.getKey());
      if (child == null) {
        continue;
      }
      BsonValue value = e.getValue();
      if (child.leaf) {
        out.put(e.getKey(), BsonValues.copy(value));
      } else if (value.isDocument()) {
        out.put(e.getKey(), include(value.asDocument(), child));
      } else if (value.isArray()) {
        out.put(e.getKey(), includeArray(value.asArray(), child));
      }
    }
    return out;
  }

  private static BsonArray includeArray(BsonArray array, Node node) {
    BsonArray out = new BsonArray();
    for (BsonValue element : array) {
      if (element.isDocument()) {
        out.add(include(element.asDocument(), node));
      } else if (element.isArray()) {
        out.add(includeArray(element.asArray(), node));
      }
    }
    return out;
  }

  private static BsonDocument exclude(BsonDocument doc, Node node) {
    BsonDocument out = new BsonDocument();
    for (Map.Entry<String, BsonValue> e : doc.entrySet()) {
      Node child = node.children.get(e.getKey());
      BsonValue value = e.getValue();
      if (child == null) {
        out.put(e.getKey(), BsonValues.copy(value));
      } else if (child.leaf) {
        continue;
      } else if (value.isDocument()) {
        out.put(e.getKey(), exclude(value.asDocument(), child));
      } else if (value.isArray()) {
        out.put(e.getKey(), excludeArray(value.asArray(), child));
      } else {
        out.put(e.getKey(), value);
      }
    }
    return out;
  }

  private static BsonArray excludeArray(BsonArray array, Node node) {
    BsonArray out = new BsonArray();
    for (BsonValue element : array) {
      if (element.isDocument()) {
        out.add(exclude(element.asDocument(), node));
      } else if (element.isArray()) {
        out.add(excludeArray(element.asArray(), node));
      } else {
        out.add(element);
      }
    }
    return out;
  }
}
