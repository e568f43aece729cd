package io.sluice.statemachine.changestream;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import io.sluice.statemachine.storage.DocumentStore;
import java.util.List;
import java.util.Optional;
import org.bson.BsonDocument;
import org.bson.BsonNull;
import org.bson.BsonValue;

/**
 * Turns a stored event into the event one stream shows: {@code fullDocument} and
 * {@code fullDocumentBeforeChange} as the stream's modes ask, fields in MongoDB's order, and the
 * internal image fields removed.
 */
final class EventView {
  private static final List<String> ORDER = List.of("_id", "operationType", "clusterTime", "wallTime", "fullDocument", "ns", "to",
      "documentKey", "updateDescription", "fullDocumentBeforeChange");

  private final StreamSpec.FullDocument fullDocument;
  private final StreamSpec.BeforeChange beforeChange;
  private final DocumentStore store;

  EventView(StreamSpec spec, DocumentStore store) {
    this.fullDocument = spec.fullDocument();
    this.beforeChange = spec.beforeChange();
    this.store = store;
  }

  BsonDocument render(BsonDocument stored) {
    String type = stored.getString("operationType").getValue();
    BsonDocument fields = new BsonDocument();
    stored.forEach((k, v) -> {
      if (!k.equals(ChangeRecorder.PRE_IMAGE) && !k.equals(ChangeRecorder.POST_IMAGE)) {
        fields.put(k, v);
      }
    });
    if (type.equals("update")) {
      postImage(stored).ifPresent(doc -> fields.put("fullDocument", doc));
    }
    if (type.equals("update") || type.equals("replace") || type.equals("delete")) {
      preImage(stored).ifPresent(doc -> fields.put("fullDocumentBeforeChange", doc));
    }
    BsonDocument ordered = new BsonDocument();
    for (String key : ORDER) {
      BsonValue value = fields.remove(key);
      if (value != null) {
        ordered.append(key, value);
      }
    }
    ordered.putAll(fields);
    return ordered;
  }

  private Optional<BsonValue> postImage(BsonDocument stored) {
    return switch (fullDocument) {
      case DEFAULT -> Optional.empty();
      case UPDATE_LOOKUP -> Optional.of(lookup(stored));
      case WHEN_AVAILABLE -> Optional.of(stored.get(ChangeRecorder.POST_IMAGE, BsonNull.VALUE));
      case REQUIRED -> Optional.of(required(stored, ChangeRecorder.POST_IMAGE, "post-image", "fullDocument"));
    };
  }

  private Optional<BsonValue> preImage(BsonDocument stored) {
    return switch (beforeChange) {
      case OFF -> Optional.empty();
      case WHEN_AVAILABLE -> Optional.of(stored.get(ChangeRecorder.PRE_IMAGE, BsonNull.VALUE));
      case REQUIRED -> Optional.of(required(stored, ChangeRecorder.PRE_IMAGE, "pre-image", "fullDocumentBeforeChange"));
    };
  }

  /** The document as it is now on this node, or null if it is gone. */
  private BsonValue lookup(BsonDocument stored) {
    BsonDocument ns = stored.getDocument("ns");
    String namespace = ns.getString("db").getValue() + "." + ns.getString("coll").getValue();
    store.readLock().lock();
    try {
      return store.find(namespace, stored.getDocument("documentKey").get("_id")).<BsonValue>map(d -> d).orElse(BsonNull.VALUE);
    } finally {
      store.readLock().unlock();
    }
  }

  private static BsonValue required(BsonDocument stored, String field, String what, String option) {
    BsonValue image = stored.get(field);
    if (image == null) {
      throw new SluiceException(ErrorCode.NO_MATCHING_DOCUMENT, "Change stream was configured to require a " + what + " for all update, "
          + "delete and replace events, but the " + what + " was not found for the event " + stored.getDocument("_id").toJson()
          + ": enable changeStreamPreAndPostImages on " + stored.getDocument("ns").toJson() + " or use " + option + ": whenAvailable");
    }
    return image;
  }
}
