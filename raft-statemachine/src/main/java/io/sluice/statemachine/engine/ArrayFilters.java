package io.sluice.statemachine.engine;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * The {@code arrayFilters} of an update: one query per identifier, such as {@code {"x.grade": {$gte:
 * 85}}} for {@code x}, that picks the array elements a {@code $[x]} path component stands for. An
 * element matches when the query matches {@code {x: <element>}}.
 */
public final class ArrayFilters {
  public static final ArrayFilters NONE = new ArrayFilters(Map.of());

  private static final Pattern IDENTIFIER = Pattern.compile("[a-z][a-zA-Z0-9]*");

  private final Map<String, Filter> byIdentifier;

  private ArrayFilters(Map<String, Filter> byIdentifier) {
    this.byIdentifier = byIdentifier;
  }

  /** Compiles the {@code arrayFilters} array; throws BAD_VALUE, FAILED_TO_PARSE or TYPE_MISMATCH for malformed ones. */
  public static ArrayFilters compile(BsonArray filters) {
    Map<String, Filter> byIdentifier = new HashMap<>();
    for (BsonValue element : filters) {
      if (!element.isDocument()) {
        throw new SluiceException(ErrorCode.TYPE_MISMATCH, "each element of arrayFilters must be an object, found: "
            + BsonValues.typeName(element) + " " + BsonValues.render(element));
      }
      BsonDocument filter = element.asDocument();
      Set<String> identifiers = new LinkedHashSet<>();
      collectIdentifiers(filter, identifiers);
      if (identifiers.isEmpty()) {
        throw new SluiceException(ErrorCode.FAILED_TO_PARSE, "Cannot use an expression without a top-level field name in arrayFilters: "
            + BsonValues.render(filter));
      }
      if (identifiers.size() > 1) {
        throw new SluiceException(ErrorCode.FAILED_TO_PARSE, "Error parsing array filter :: caused by :: Expected a single "
            + "top-level field name, found " + identifiers + " in " + BsonValues.render(filter));
      }
      String identifier = identifiers.iterator().next();
      if (!IDENTIFIER.matcher(identifier).matches()) {
        throw new SluiceException(ErrorCode.BAD_VALUE, "Error parsing array filter :: caused by :: The top-level field name must be "
            + "an alphanumeric string beginning with a lowercase letter, found '" + identifier + "'");
      }
      if (byIdentifier.put(identifier, Filter.compile(filter)) != null) {
        throw new SluiceException(ErrorCode.FAILED_TO_PARSE, "Found multiple array filters with the same top-level field name "
            + identifier);
      }
    }
    return new ArrayFilters(Map.copyOf(byIdentifier));
  }

  /** The first components of the filter's field paths, looking inside {@code $and}, {@code $or} and {@code $nor}. */
  private static void collectIdentifiers(BsonDocument filter, Set<String> out) {
    for (Map.Entry<String, BsonValue> e : filter.entrySet()) {
      String key = e.getKey();
      if (key.equals("$and") || key.equals("$or") || key.equals("$nor")) {
        if (e.getValue().isArray()) {
          e.getValue().asArray().stream().filter(BsonValue::isDocument).forEach(d -> collectIdentifiers(d.asDocument(), out));
        }
      } else if (key.startsWith("$")) {
        throw new SluiceException(ErrorCode.FAILED_TO_PARSE, "Cannot use an expression without a top-level field name in "
            + "arrayFilters: " + BsonValues.render(filter));
      } else {
        out.add(key.split("\\.", 2)[0]);
      }
    }
  }

  Set<String> identifiers() {
    return byIdentifier.keySet();
  }

  boolean has(String identifier) {
    return byIdentifier.containsKey(identifier);
  }

  /** Whether the element is one that {@code $[identifier]} stands for. */
  boolean matches(String identifier, BsonValue element) {
    return byIdentifier.get(identifier).matches(new BsonDocument(identifier, element));
  }
}
