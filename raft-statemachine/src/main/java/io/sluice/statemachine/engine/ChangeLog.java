package io.sluice.statemachine.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * Records what an update changed, in the shape of a change event's {@code updateDescription}: dotted
 * paths set to new values, and dotted paths removed. A path under one already recorded is not
 * recorded again, because the recorded value is the live subtree and already holds the change.
 */
final class ChangeLog {
  /** A log that records nothing, for callers that only want the document. */
  static final ChangeLog DISCARD = new ChangeLog(false);

  private final boolean recording;
  private final Map<String, BsonValue> updated = new LinkedHashMap<>();
  private final List<String> removed = new ArrayList<>();

  private ChangeLog(boolean recording) {
    this.recording = recording;
  }

  static ChangeLog recording() {
    return new ChangeLog(true);
  }

  void updated(String path, BsonValue value) {
    if (!recording || underRecordedPath(path)) {
      return;
    }
    updated.put(path, value);
  }

  void removed(String path) {
    if (recording) {
      removed.add(path);
    }
  }

  private boolean underRecordedPath(String path) {
    for (int dot = path.indexOf('.'); dot >= 0; dot = path.indexOf('.', dot + 1)) {
      if (updated.containsKey(path.substring(0, dot))) {
        return true;
      }
    }
    return false;
  }

  /** The updated fields, as copies of their final values, in the order they were changed. */
  BsonDocument updatedFields() {
    BsonDocument out = new BsonDocument();
    for (Map.Entry<String, BsonValue> e : updated.entrySet()) {
      out.put(e.getKey(), BsonValues.copy(e.getValue()));
    }
    return out;
  }

  List<String> removedFields() {
    return List.copyOf(removed);
  }
}
