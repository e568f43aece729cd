package io.sluice.statemachine.engine;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import java.util.List;
import java.util.OptionalInt;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * A find projection of part of an array, applied to the already projected document:
 * {@code {a: {$slice: n}}} or {@code {$slice: [skip, limit]}} (the first n elements, the last -n, or
 * limit elements from skip, counted from the end if negative), {@code {a: {$elemMatch: {...}}}} (the
 * first element that matches, or no field) and {@code {"a.$": 1}} (the first element the find's query
 * matched, as the update operator {@code $} picks it). A value that is not an array is left as it is.
 */
abstract class ArrayProjection {
  final String path;

  private ArrayProjection(String path) {
    this.path = path;
  }

  /** Whether the field counts as included when the projection decides between inclusion and exclusion. */
  abstract boolean isInclusion();

  /** Replaces the array at {@link #path} in {@code out}, the projection of {@code original} that {@code query} matched. */
  abstract void apply(BsonDocument original, BsonDocument out, BsonDocument query);

  /** The array projection a spec value stands for, or null if it is a plain 0/1/true/false. */
  static ArrayProjection compile(String path, BsonValue value) {
    if (path.endsWith(".$")) {
      return positional(path, value);
    }
    if (!value.isDocument()) {
      return null;
    }
    BsonDocument spec = value.asDocument();
    if (spec.size() != 1 || !(spec.containsKey("$slice") || spec.containsKey("$elemMatch"))) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "projection of '" + path + "': Sluice supports 0, 1, true, false, "
          + "{$slice: ...}, {$elemMatch: {...}} and 'field.$', not " + BsonValues.render(spec));
    }
    return spec.containsKey("$slice") ? Slice.of(path, spec.get("$slice")) : ElemMatch.of(path, spec.get("$elemMatch"));
  }

  private static ArrayProjection positional(String path, BsonValue value) {
    String arrayPath = path.substring(0, path.length() - 2);
    if (arrayPath.isEmpty() || arrayPath.contains("$")) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "projection path '" + path + "' is not valid: the positional operator "
          + "'.$' ends a path and appears once");
    }
    if (!(value.isBoolean() || BsonValues.isNumber(value)) || !FieldOperators.truthy(value)) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "the positional projection '" + path + "' must be 1 or true, found "
          + BsonValues.render(value));
    }
    return new Positional(arrayPath);
  }

  /** The arrays at {@code parts} in {@code out}, reached through documents and arrays of documents. */
  static void forEachArray(BsonValue current, String[] parts, int i, java.util.function.Consumer<BsonDocument> holder) {
    if (current.isArray()) {
      current.asArray().forEach(element -> forEachArray(element, parts, i, holder));
    } else if (current.isDocument() && i == parts.length - 1) {
      holder.accept(current.asDocument());
    } else if (current.isDocument() && current.asDocument().containsKey(parts[i])) {
      forEachArray(current.asDocument().get(parts[i]), parts, i + 1, holder);
    }
  }

  private static final class Slice extends ArrayProjection {
    private final long skip;
    private final long limit;

    private Slice(String path, long skip, long limit) {
      super(path);
      this.skip = skip;
      this.limit = limit;
    }

    static Slice of(String path, BsonValue argument) {
      if (BsonValues.isNumber(argument)) {
        long n = whole(path, argument);
        return n >= 0 ? new Slice(path, 0, n) : new Slice(path, n, -n);
      }
      if (argument.isArray() && argument.asArray().size() == 2 && argument.asArray().stream().allMatch(BsonValues::isNumber)) {
        long limit = whole(path, argument.asArray().get(1));
        if (limit <= 0) {
          throw new SluiceException(ErrorCode.BAD_VALUE, "$slice of '" + path + "': the limit must be positive, found " + limit);
        }
        return new Slice(path, whole(path, argument.asArray().get(0)), limit);
      }
      throw new SluiceException(ErrorCode.BAD_VALUE, "$slice of '" + path + "' takes a number or an array [skip, limit] of "
          + "two numbers, found " + BsonValues.render(argument));
    }

    private static long whole(String path, BsonValue number) {
      double d = number.isDecimal128() ? number.asDecimal128().getValue().doubleValue() : number.asNumber().doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        throw new SluiceException(ErrorCode.BAD_VALUE, "$slice of '" + path + "' takes finite numbers, found " + BsonValues.render(number));
      }
      return (long) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, d));
    }

    @Override
    boolean isInclusion() {
      return false;
    }

    @Override
    void apply(BsonDocument original, BsonDocument out, BsonDocument query) {
      String[] parts = FieldPath.split(path);
      String field = parts[parts.length - 1];
      forEachArray(out, parts, 0, holder -> {
        BsonValue value = holder.get(field);
        if (value != null && value.isArray()) {
          List<BsonValue> values = value.asArray().getValues();
          int size = values.size();
          int from = (int) (skip >= 0 ? Math.min(skip, size) : Math.max(0, size + skip));
          int to = (int) Math.min(size, from + limit);
          holder.put(field, new BsonArray(List.copyOf(values.subList(from, to))));
        }
      });
    }
  }

  private static final class ElemMatch extends ArrayProjection {
    private final Filter filter;

    private ElemMatch(String path, Filter filter) {
      super(path);
      this.filter = filter;
    }

    static ElemMatch of(String path, BsonValue condition) {
      if (path.contains(".")) {
        throw new SluiceException(ErrorCode.BAD_VALUE, "Cannot use $elemMatch projection on a nested field: " + path);
      }
      if (!condition.isDocument()) {
        throw new SluiceException(ErrorCode.BAD_VALUE, "elemMatch: Invalid argument, object required, found "
            + BsonValues.render(condition));
      }
      return new ElemMatch(path, Filter.compile(new BsonDocument(path, new BsonDocument("$elemMatch", condition))));
    }

    @Override
    boolean isInclusion() {
      return true;
    }

    @Override
    void apply(BsonDocument original, BsonDocument out, BsonDocument query) {
      BsonValue value = original.get(path);
      for (BsonValue element : value != null && value.isArray() ? value.asArray() : new BsonArray()) {
        if (filter.matches(new BsonDocument(path, new BsonArray(List.of(element))))) {
          // As MongoDB 4.4+: the projected field comes after the other included fields.
          out.remove(path);
          out.put(path, new BsonArray(List.of(BsonValues.copy(element))));
          return;
        }
      }
      out.remove(path);
    }
  }

  private static final class Positional extends ArrayProjection {
    private Positional(String path) {
      super(path);
    }

    @Override
    boolean isInclusion() {
      return true;
    }

    @Override
    void apply(BsonDocument original, BsonDocument out, BsonDocument query) {
      BsonValue value = FieldPath.get(original, path).orElse(null);
      if (value == null || !value.isArray()) {
        return;
      }
      OptionalInt index = PositionalPaths.firstMatch(query, original, path, value.asArray());
      if (index.isEmpty()) {
        throw new SluiceException(ErrorCode.BAD_VALUE, "positional operator '" + path + ".$' couldn't find a matching element in "
            + "the array: the query must have a condition on '" + path + "' that an element matches");
      }
      FieldPath.set(out, path, new BsonArray(List.of(BsonValues.copy(value.asArray().get(index.getAsInt())))));
    }
  }
}
