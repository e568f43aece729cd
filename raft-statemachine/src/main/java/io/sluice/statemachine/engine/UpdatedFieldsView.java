package io.sluice.statemachine.engine;

import io.sluice.protocol.SluiceException;
import java.util.Map;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * What a change stream's {@code $match} sees of an update event: its {@code updatedFields} keys are
 * dotted paths ({@code "payment.status"}), which a query path such as
 * {@code updateDescription.updatedFields.payment.status} cannot reach in MongoDB. Filters written
 * for MongoDB change streams use such paths all the same, so for matching, each dotted key is also
 * set at its nested path. Only the match sees this view; the event itself is delivered unchanged.
 */
final class UpdatedFieldsView {
  private UpdatedFieldsView() {}

  static BsonDocument of(BsonDocument event) {
    BsonValue description = event.get("updateDescription");
    if (description == null || !description.isDocument() || !description.asDocument().isDocument("updatedFields")) {
      return event;
    }
    BsonDocument updated = description.asDocument().getDocument("updatedFields");
    if (updated.keySet().stream().noneMatch(k -> k.indexOf('.') > 0)) {
      return event;
    }
    BsonDocument expanded = BsonValues.copy(updated);
    for (Map.Entry<String, BsonValue> field : updated.entrySet()) {
      if (field.getKey().indexOf('.') > 0 && !field.getKey().endsWith(".")) {
        try {
          FieldPath.set(expanded, field.getKey(), field.getValue());
        } catch (SluiceException pathBlocked) {
          // Another updated field holds a scalar on the way: the dotted key stays reachable as itself.
        }
      }
    }
    BsonDocument view = new BsonDocument();
    view.putAll(event);
    BsonDocument viewDescription = new BsonDocument();
    viewDescription.putAll(description.asDocument());
    viewDescription.put("updatedFields", expanded);
    view.put("updateDescription", viewDescription);
    return view;
  }
}
