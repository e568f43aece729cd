package io.sluice.client;

import com.mongodb.client.model.changestream.FullDocument;
import com.mongodb.client.model.changestream.FullDocumentBeforeChange;
import io.sluice.protocol.Position;
import io.sluice.protocol.ResumeToken;
import java.util.Optional;
import org.bson.BsonArray;
import org.bson.BsonBoolean;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;

/**
 * A change stream's settings as they were when it was opened: {@link ChangeStreamIterable} builds
 * one per stream, so changing the iterable later never changes how an open stream resumes.
 *
 * @param database null for the whole cluster
 * @param collection null for a whole database
 * @param pipeline the user's stages, a copy of its own
 * @param node the address of the node to serve the stream first, or null for the client's choice
 * @param after the client's newest acknowledged write when the stream was opened: a stream with no
 *     start of its own starts after it on any node (as a MongoDB causally consistent session's
 *     {@code afterClusterTime} does), so that it does not show writes its client made before it
 */
record WatchOptions(String database, String collection, BsonArray pipeline, FullDocument fullDocument,
                  FullDocumentBeforeChange fullDocumentBeforeChange, ResumeToken resumeAfter, ResumeToken startAfter,
                  BsonTimestamp startAtOperationTime, int batchSize, long maxAwaitMillis, String node, Position after) {

  WatchOptions {
    pipeline = pipeline.clone();
    int starts = (resumeAfter != null ? 1 : 0) + (startAfter != null ? 1 : 0) + (startAtOperationTime != null ? 1 : 0);
    if (starts > 1) {
      throw new IllegalArgumentException("use only one of resumeAfter, startAfter and startAtOperationTime");
    }
  }

  /** The same settings for a stream opened now, after the client's newest acknowledged write {@code lastSeen}. */
  WatchOptions openedAfter(Position lastSeen) {
    return new WatchOptions(database, collection, pipeline, fullDocument, fullDocumentBeforeChange, resumeAfter, startAfter,
        startAtOperationTime, batchSize, maxAwaitMillis, node, lastSeen);
  }

  /** The token the stream starts after, if the user gave one. */
  Optional<ResumeToken> initialToken() {
    return Optional.ofNullable(resumeAfter != null ? resumeAfter : startAfter);
  }

  /** The aggregate command that opens the stream after {@code from}, or at its configured start if nothing was seen yet. */
  BsonDocument aggregateCommand(Optional<ResumeToken> from) {
    BsonDocument options = new BsonDocument();
    if (fullDocument != FullDocument.DEFAULT) {
      options.append("fullDocument", new BsonString(fullDocument.getValue()));
    }
    if (fullDocumentBeforeChange != FullDocumentBeforeChange.DEFAULT) {
      options.append("fullDocumentBeforeChange", new BsonString(fullDocumentBeforeChange.getValue()));
    }
    if (from.isPresent()) {
      // Only the user's own startAfter token is sent as startAfter; every later resume is a resumeAfter.
      options.append(from.get().equals(startAfter) ? "startAfter" : "resumeAfter", from.get().toBson());
    } else if (startAtOperationTime != null) {
      options.append("startAtOperationTime", startAtOperationTime);
    }
    BsonValue target = collection == null ? new BsonInt32(1) : new BsonString(collection);
    if (database == null) {
      options.append("allChangesForCluster", BsonBoolean.TRUE);
    }
    BsonArray stages = new BsonArray();
    stages.add(new BsonDocument("$changeStream", options));
    stages.addAll(pipeline);
    BsonDocument command = new BsonDocument("aggregate", target).append("$db", new BsonString(database == null ? "admin" : database))
        .append("pipeline", stages).append("cursor", new BsonDocument("batchSize", new BsonInt32(batchSize)));
    if (from.isEmpty() && startAtOperationTime == null && after.index() > 0) {
      command.append("readConcern", new BsonDocument("afterOpTime", after.toBson()));
    }
    return command;
  }
}
