package io.sluice.statemachine.changestream;

import io.sluice.statemachine.engine.Filter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * A field of the change event that a stream's first {@code $match} pins to a few values by equality
 * ({@code {"documentKey._id": v}}, {@code {"fullDocument.user": {$eq: v}}} or {@code {$in: [...]}},
 * inside {@code $and} too), as etcd's watches are keyed. The hub wakes such a stream only for events
 * with one of those values there, and lets it skip the others unread; with thousands of streams that
 * each watch their own documents, a write costs one stream's work instead of all of theirs. The pin is
 * a necessary condition only: the stream still runs its whole pipeline on what it reads.
 *
 * @param path         {@code documentKey.<field>} or {@code fullDocument.<path>}
 * @param fullDocument the stream's {@code fullDocument} mode, which decides what an update shows at a
 *                     {@code fullDocument} path ({@code DEFAULT} for {@code documentKey} paths, where
 *                     it does not matter)
 * @param values       the pinned values
 */
record FieldPin(String path, StreamSpec.FullDocument fullDocument, Set<EqualityKey> values) {
  /** Beyond this many values an {@code $in} is cheaper to check on every event than to index. */
  static final int MAX_VALUES = 1_000;
  private static final String DOCUMENT_KEY = "documentKey.";
  private static final String FULL_DOCUMENT = "fullDocument.";
  private static final Set<String> DOCUMENT_EVENTS = Set.of("insert", "update", "replace", "delete");
  /**
   * What can fail while an event is matched (an expression, or a regular expression too costly to run):
   * a stream with one must match every event, as it would unpinned, to fail where it would.
   */
  private static final Set<String> EVALUATING = Set.of("$expr", "$where", "$regex");

  /**
   * The stream's pin, if its first stage is a {@code $match} with a pinnable equality (the one with
   * fewest values when there are several). None when a {@code required} image mode is asked for: such
   * a stream fails on an event without the image whether or not it matches, so it must read them all.
   */
  static Optional<FieldPin> of(BsonArray stages, StreamSpec.FullDocument fullDocument, StreamSpec.BeforeChange beforeChange) {
    if (fullDocument == StreamSpec.FullDocument.REQUIRED || beforeChange == StreamSpec.BeforeChange.REQUIRED || stages.isEmpty()) {
      return Optional.empty();
    }
    BsonValue match = stages.get(0).asDocument().get("$match");
    if (match == null || !match.isDocument() || evaluates(match)) {
      return Optional.empty();
    }
    List<FieldPin> pins = new ArrayList<>();
    collect(match.asDocument(), fullDocument, pins);
    return pins.stream().min(Comparator.comparingInt(p -> p.values().size()));
  }

  private static boolean evaluates(BsonValue filter) {
    if (filter.isRegularExpression()) {
      return true;
    }
    if (filter.isArray()) {
      return filter.asArray().stream().anyMatch(FieldPin::evaluates);
    }
    return filter.isDocument() && filter.asDocument().entrySet().stream()
        .anyMatch(e -> EVALUATING.contains(e.getKey()) || evaluates(e.getValue()));
  }

  private static void collect(BsonDocument filter, StreamSpec.FullDocument fullDocument, List<FieldPin> pins) {
    filter.forEach((name, condition) -> {
      if (name.equals("$and") && condition.isArray()) {
        condition.asArray().stream().filter(BsonValue::isDocument).forEach(clause -> collect(clause.asDocument(), fullDocument, pins));
      } else if (pinnable(name)) {
        StreamSpec.FullDocument shown = name.startsWith(FULL_DOCUMENT) ? fullDocument : StreamSpec.FullDocument.DEFAULT;
        values(condition).ifPresent(values -> pins.add(new FieldPin(name, shown, values)));
      }
    });
  }

  private static boolean pinnable(String path) {
    return (path.startsWith(DOCUMENT_KEY) && path.length() > DOCUMENT_KEY.length()
        || path.startsWith(FULL_DOCUMENT) && path.length() > FULL_DOCUMENT.length())
        && !path.contains("$") && !path.contains("..") && !path.endsWith(".");
  }

  /** The values a condition on one field allows, if it is an equality or an {@code $in} of keyable values. */
  private static Optional<Set<EqualityKey>> values(BsonValue condition) {
    if (!Filter.isOperatorCondition(condition)) {
      return EqualityKey.of(condition).map(Set::of);
    }
    BsonDocument operators = condition.asDocument();
    if (operators.containsKey("$eq")) {
      return EqualityKey.of(operators.get("$eq")).map(Set::of);
    }
    BsonValue in = operators.get("$in");
    if (in == null || !in.isArray() || in.asArray().isEmpty() || in.asArray().size() > MAX_VALUES) {
      return Optional.empty();
    }
    Set<EqualityKey> keys = new HashSet<>();
    for (BsonValue value : in.asArray()) {
      Optional<EqualityKey> key = EqualityKey.of(value);
      if (key.isEmpty()) {
        return Optional.empty();
      }
      keys.add(key.get());
    }
    return Optional.of(Set.copyOf(keys));
  }

  /** What one event holds at a pinned path. */
  enum Held { NOTHING, VALUE, UNKNOWN }

  /** What a stored event holds at a pinned path, and its key when {@link Held#VALUE}. */
  record Touch(Held held, EqualityKey key) {
    static final Touch NOTHING = new Touch(Held.NOTHING, null);
    static final Touch UNKNOWN = new Touch(Held.UNKNOWN, null);
  }

  /** What a stored event holds at this pin's path, as the stream will see it. */
  Touch touch(BsonDocument event) {
    return touch(event, path, fullDocument);
  }

  /**
   * Reads {@code path} of a stored event as a stream in {@code fullDocument} mode will see it.
   * {@link Held#UNKNOWN} when a stream pinned there must read the event: one that is not an insert,
   * update, replace or delete (a drop or rename ends the stream, whatever it pins), an array on the way
   * (an equality matches its elements), or an update whose document the stream looks up when it reads
   * the event ({@code updateLookup}).
   */
  static Touch touch(BsonDocument event, String path, StreamSpec.FullDocument fullDocument) {
    String type = event.getString("operationType").getValue();
    if (!DOCUMENT_EVENTS.contains(type)) {
      return Touch.UNKNOWN;
    }
    BsonValue at;
    String rest;
    if (path.startsWith(DOCUMENT_KEY)) {
      at = event.get("documentKey");
      rest = path.substring(DOCUMENT_KEY.length());
    } else {
      if (type.equals("update") && fullDocument == StreamSpec.FullDocument.UPDATE_LOOKUP) {
        return Touch.UNKNOWN;
      }
      // An update shows its post-image (whenAvailable) or no document (default); a delete shows none.
      at = switch (type) {
        case "insert", "replace" -> event.get("fullDocument");
        case "update" -> fullDocument == StreamSpec.FullDocument.WHEN_AVAILABLE ? event.get(ChangeRecorder.POST_IMAGE) : null;
        default -> null;
      };
      rest = path.substring(FULL_DOCUMENT.length());
    }
    for (String part : rest.split("\\.", -1)) {
      if (at == null || !at.isDocument()) {
        return at != null && at.isArray() ? Touch.UNKNOWN : Touch.NOTHING;
      }
      at = at.asDocument().get(part);
    }
    if (at == null) {
      return Touch.NOTHING;
    }
    if (at.isArray()) {
      return Touch.UNKNOWN;
    }
    return EqualityKey.of(at).map(k -> new Touch(Held.VALUE, k)).orElse(Touch.NOTHING);
  }
}
