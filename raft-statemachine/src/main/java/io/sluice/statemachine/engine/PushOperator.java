package io.sluice.statemachine.engine;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * {@code $push}: appends a value to an array, creating it if the field is missing. With modifiers,
 * {@code {$each: [...], $position: n, $sort: 1 | -1 | {field: 1 | -1}, $slice: n}}: inserts every
 * element of {@code $each} at {@code $position} (from the end if negative), then sorts the whole
 * array, then keeps the first {@code $slice} elements (the last ones if negative).
 */
final class PushOperator implements UpdateOperator {
  private static final Set<String> MODIFIERS = Set.of("$each", "$position", "$sort", "$slice");

  /** A compiled argument. {@code position}, {@code slice}: null when not given. */
  private record Push(BsonArray each, Integer position, Comparator<BsonValue> sort, Integer slice) {}

  @Override
  public Action prepare(String path, BsonValue argument) {
    Push push = compile(argument);
    return (doc, at, log) -> push(doc, at, push, log);
  }

  @Override
  public void apply(BsonDocument doc, String[] path, BsonValue argument, ChangeLog log) {
    push(doc, path, compile(argument), log);
  }

  private static void push(BsonDocument doc, String[] path, Push push, ChangeLog log) {
    List<BsonValue> elements = new ArrayList<>(ArrayField.at(doc, path, "$push").orElseGet(BsonArray::new));
    int at = elements.size();
    if (push.position() != null) {
      int p = push.position();
      at = p >= 0 ? Math.min(p, elements.size()) : Math.max(0, elements.size() + p);
    }
    // Copied for each document: the compiled values are shared by every document the update changes.
    elements.addAll(at, push.each().stream().map(BsonValues::copy).toList());
    if (push.sort() != null) {
      elements.sort(push.sort());
    }
    if (push.slice() != null) {
      int n = push.slice();
      elements = n >= 0 ? elements.subList(0, Math.min(n, elements.size()))
          : elements.subList(Math.max(0, elements.size() + n), elements.size());
    }
    ArrayField.replace(doc, path, new BsonArray(new ArrayList<>(elements)), log);
  }

  private static Push compile(BsonValue argument) {
    if (!argument.isDocument() || !argument.asDocument().containsKey("$each")) {
      if (argument.isDocument() && !argument.asDocument().isEmpty() && argument.asDocument().getFirstKey().startsWith("$")) {
        throw new SluiceException(ErrorCode.BAD_VALUE, "$push modifiers need $each, found " + BsonValues.render(argument));
      }
      return new Push(new BsonArray(List.of(BsonValues.copy(argument))), null, null, null);
    }
    BsonDocument modifiers = argument.asDocument();
    for (String key : modifiers.keySet()) {
      if (!MODIFIERS.contains(key)) {
        throw new SluiceException(ErrorCode.BAD_VALUE, "Unrecognized clause in $push: " + key);
      }
    }
    BsonArray each = ArrayField.elementsOf(modifiers.get("$each"), "The argument to $each in $push");
    return new Push(each, integer(modifiers, "$position"), sort(modifiers.get("$sort")), integer(modifiers, "$slice"));
  }

  private static Integer integer(BsonDocument modifiers, String name) {
    BsonValue value = modifiers.get(name);
    if (value == null) {
      return null;
    }
    Integer n = ExpressionOperators.int32(value);
    if (n == null) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "The value for " + name + " must be an integer, not "
          + BsonValues.render(value));
    }
    return n;
  }

  /** 1 or -1 orders the elements themselves; a document orders document elements by its fields. */
  private static Comparator<BsonValue> sort(BsonValue spec) {
    if (spec == null) {
      return null;
    }
    if (spec.isDocument() && !spec.asDocument().isEmpty()) {
      Comparator<BsonDocument> byFields = SortSpec.compile(spec.asDocument()).comparator();
      // An element that is not a document sorts as one without the fields.
      return Comparator.comparing(v -> v.isDocument() ? v.asDocument() : new BsonDocument(), byFields);
    }
    if (BsonValues.isNumber(spec) && (BsonOrder.equal(spec, new org.bson.BsonInt32(1)) || BsonOrder.equal(spec, new org.bson.BsonInt32(-1)))) {
      Comparator<BsonValue> ascending = BsonOrder::compare;
      return BsonOrder.equal(spec, new org.bson.BsonInt32(1)) ? ascending : ascending.reversed();
    }
    throw new SluiceException(ErrorCode.BAD_VALUE, "The $sort in $push is invalid: use 1/-1 to sort the whole element, "
        + "or {field: 1/-1} to sort embedded fields, not " + BsonValues.render(spec));
  }
}
