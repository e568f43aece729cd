package io.sluice.client;

import com.mongodb.MongoNamespace;
import com.mongodb.client.model.changestream.OperationType;
import com.mongodb.client.model.changestream.UpdateDescription;
import io.sluice.protocol.ResumeToken;
import java.util.ArrayList;
import java.util.List;
import org.bson.BsonDateTime;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.Document;

/**
 * One change event as a stream delivered it: MongoDB's change event document, with typed getters for
 * its standard fields and {@link #getDocument()} for everything, including fields a pipeline added.
 * A getter returns null when its field is absent (for example {@code fullDocument} of a delete).
 */
public final class ChangeStreamDocument {
  private final BsonDocument event;

  ChangeStreamDocument(BsonDocument event) {
    this.event = event;
  }

  /** The whole event as delivered. */
  public BsonDocument getDocument() {
    return event;
  }

  /** The event's {@code _id}: the token to resume the stream right after this event. */
  public ResumeToken getResumeToken() {
    return ResumeToken.fromBson(event.get("_id"));
  }

  public OperationType getOperationType() {
    return event.isString("operationType") ? OperationType.fromString(event.getString("operationType").getValue()) : null;
  }

  public String getOperationTypeString() {
    return event.isString("operationType") ? event.getString("operationType").getValue() : null;
  }

  public BsonTimestamp getClusterTime() {
    return event.isTimestamp("clusterTime") ? event.getTimestamp("clusterTime") : null;
  }

  public BsonDateTime getWallTime() {
    return event.isDateTime("wallTime") ? event.getDateTime("wallTime") : null;
  }

  public MongoNamespace getNamespace() {
    return namespace("ns");
  }

  /** For a rename: the new namespace. */
  public MongoNamespace getDestinationNamespace() {
    return namespace("to");
  }

  public String getDatabaseName() {
    return event.isDocument("ns") && event.getDocument("ns").isString("db") ? event.getDocument("ns").getString("db").getValue() : null;
  }

  public BsonDocument getDocumentKey() {
    return event.isDocument("documentKey") ? event.getDocument("documentKey") : null;
  }

  public Document getFullDocument() {
    return event.isDocument("fullDocument") ? Documents.toDocument(event.getDocument("fullDocument")) : null;
  }

  public Document getFullDocumentBeforeChange() {
    return event.isDocument("fullDocumentBeforeChange") ? Documents.toDocument(event.getDocument("fullDocumentBeforeChange")) : null;
  }

  public UpdateDescription getUpdateDescription() {
    if (!event.isDocument("updateDescription")) {
      return null;
    }
    BsonDocument description = event.getDocument("updateDescription");
    List<String> removed = new ArrayList<>();
    description.getArray("removedFields", new org.bson.BsonArray()).forEach(v -> removed.add(v.asString().getValue()));
    return new UpdateDescription(removed, description.getDocument("updatedFields", new BsonDocument()), null, null);
  }

  /** Any field of the event, for example one a pipeline stage added. */
  public BsonValue get(String field) {
    return event.get(field);
  }

  private MongoNamespace namespace(String field) {
    if (!event.isDocument(field)) {
      return null;
    }
    BsonDocument ns = event.getDocument(field);
    return ns.isString("coll") ? new MongoNamespace(ns.getString("db").getValue(), ns.getString("coll").getValue())
        : null;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ChangeStreamDocument other && other.event.equals(event);
  }

  @Override
  public int hashCode() {
    return event.hashCode();
  }

  @Override
  public String toString() {
    return event.toJson();
  }
}
