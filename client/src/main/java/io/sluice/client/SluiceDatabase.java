package io.sluice.client;

import java.util.ArrayList;
import java.util.List;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.BsonValue;

/** A database: a name that groups collections. Cheap to create; holds no resources of its own. */
public final class SluiceDatabase {
  private final String name;
  private final RaftTransport transport;
  private final SluiceClient.Streams streams;

  SluiceDatabase(String name, RaftTransport transport, SluiceClient.Streams streams) {
    this.name = name;
    this.transport = transport;
    this.streams = streams;
  }

  /** A change stream of every collection of this database; it ends with invalidate if the database is dropped. */
  public ChangeStreamIterable watch() {
    return watch(List.of());
  }

  public ChangeStreamIterable watch(List<? extends org.bson.conversions.Bson> pipeline) {
    return new ChangeStreamIterable(streams, name, null, pipeline);
  }

  /** Drops the database and all its collections. */
  public void drop() {
    RaftTransport.check(transport.write(new BsonDocument("dropDatabase", new BsonInt32(1)).append("$db", new BsonString(name))));
  }

  public String getName() {
    return name;
  }

  public SluiceCollection getCollection(String collectionName) {
    return new SluiceCollection(name, collectionName, transport, streams, ReadPreference.linearizable());
  }

  /** Creates a collection explicitly; inserting into a missing collection creates it too. */
  public void createCollection(String collectionName) {
    createCollection(collectionName, false);
  }

  /**
   * Creates a collection; with {@code preAndPostImages} its change events keep the document before and
   * after each change, for {@code fullDocumentBeforeChange} and {@code fullDocument: whenAvailable/required}.
   */
  public void createCollection(String collectionName, boolean preAndPostImages) {
    BsonDocument create = new BsonDocument("create", new BsonString(collectionName)).append("$db", new BsonString(name));
    if (preAndPostImages) {
      create.append("changeStreamPreAndPostImages", new BsonDocument("enabled", org.bson.BsonBoolean.TRUE));
    }
    RaftTransport.check(transport.write(create));
  }

  /** The names of this database's collections, in name order (a linearizable read). */
  public List<String> listCollectionNames() {
    BsonDocument reply = RaftTransport.check(transport.readLinearizable(
        new BsonDocument("listCollections", new BsonInt32(1)).append("$db", new BsonString(name))).reply());
    List<String> names = new ArrayList<>();
    for (BsonValue info : reply.getDocument("cursor").getArray("firstBatch")) {
      names.add(info.asDocument().getString("name").getValue());
    }
    return names;
  }
}
