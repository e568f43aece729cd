package io.sluice.statemachine.changestream;

import io.sluice.protocol.Position;
import io.sluice.protocol.ResumeToken;
import org.bson.BsonArray;
import org.bson.BsonDateTime;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;

/**
 * Collects the change events of one log entry while it is applied, in the order the effects happen,
 * and turns them into the entry's history record. Events are MongoDB change event documents; the
 * pre- and post-images of collections that keep them ride along in the internal fields
 * {@value #PRE_IMAGE} and {@value #POST_IMAGE}, which streams turn into {@code fullDocumentBeforeChange}
 * and {@code fullDocument} as each stream's options ask.
 */
public final class ChangeRecorder {
  static final String PRE_IMAGE = "$preImage";
  static final String POST_IMAGE = "$postImage";

  private final Position position;
  private final BsonTimestamp clusterTime;
  private final long wallTimeMillis;
  private final BsonArray events = new BsonArray();

  public ChangeRecorder(Position position, BsonTimestamp clusterTime, long wallTimeMillis) {
    this.position = position;
    this.clusterTime = clusterTime;
    this.wallTimeMillis = wallTimeMillis;
  }

  public void insert(String ns, BsonDocument document) {
    events.add(event("insert").append("fullDocument", document).append("ns", Namespace.of(ns)).append("documentKey", key(document)));
  }

  public void update(String ns, BsonDocument before, BsonDocument after, BsonDocument updatedFields, java.util.List<String> removedFields,
                     boolean keepImages) {
    BsonArray removed = new BsonArray();
    removedFields.forEach(f -> removed.add(new BsonString(f)));
    BsonDocument event = event("update").append("ns", Namespace.of(ns)).append("documentKey", key(after))
        .append("updateDescription", new BsonDocument("updatedFields", updatedFields).append("removedFields", removed)
            .append("truncatedArrays", new BsonArray()));
    events.add(withImages(event, keepImages, before, after));
  }

  public void replace(String ns, BsonDocument before, BsonDocument after, boolean keepImages) {
    BsonDocument event = event("replace").append("fullDocument", after).append("ns", Namespace.of(ns)).append("documentKey", key(after));
    events.add(withImages(event, keepImages, before, null));
  }

  public void delete(String ns, BsonDocument before, boolean keepImages) {
    events.add(withImages(event("delete").append("ns", Namespace.of(ns)).append("documentKey", key(before)), keepImages, before, null));
  }

  public void drop(String ns) {
    events.add(event("drop").append("ns", Namespace.of(ns)));
  }

  public void rename(String from, String to) {
    events.add(event("rename").append("ns", Namespace.of(from)).append("to", Namespace.of(to)));
  }

  public void dropDatabase(String db) {
    events.add(event("dropDatabase").append("ns", Namespace.database(db)));
  }

  /** The entry's history record: {@code {term, clusterTime, wallTime, events}}. */
  public BsonDocument record() {
    return new BsonDocument("term", new BsonInt64(position.term())).append("clusterTime", clusterTime)
        .append("wallTime", new BsonDateTime(wallTimeMillis)).append("events", events);
  }

  public int eventCount() {
    return events.size();
  }

  private BsonDocument event(String operationType) {
    return new BsonDocument("_id", ResumeToken.event(position.term(), position.index(), events.size()).toBson())
        .append("operationType", new BsonString(operationType))
        .append("clusterTime", clusterTime)
        .append("wallTime", new BsonDateTime(wallTimeMillis));
  }

  private static BsonDocument key(BsonDocument document) {
    BsonValue id = document.get("_id");
    return new BsonDocument("_id", id);
  }

  private static BsonDocument withImages(BsonDocument event, boolean keepImages, BsonDocument before, BsonDocument after) {
    if (keepImages) {
      event.append(PRE_IMAGE, before);
      if (after != null) {
        event.append(POST_IMAGE, after);
      }
    }
    return event;
  }
}
