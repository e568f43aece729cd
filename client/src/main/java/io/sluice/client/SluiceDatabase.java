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

  SluiceDatabase(String name, RaftTransport transport) {
    this.name = name;
    this.transport = transport;
  }

  public String getName() {
    return name;
  }

  public SluiceCollection getCollection(String collectionName) {
    return new SluiceCollection(name, collectionName, transport, ReadPreference.linearizable());
  }

  /** Creates a collection explicitly; inserting into a missing collection creates it too. */
  public void createCollection(String collectionName) {
    RaftTransport.check(transport.write(new BsonDocument("create", new BsonString(collectionName)).append("$db", new BsonString(name))));
  }

  /** The names of this database's collections, in name order (a linearizable read). */
  public List<String> listCollectionNames() {
    BsonDocument reply = RaftTransport.check(transport.readLinearizable(
        new BsonDocument("listCollections", new BsonInt32(1)).append("$db", new BsonString(name))));
    List<String> names = new ArrayList<>();
    for (BsonValue info : reply.getDocument("cursor").getArray("firstBatch")) {
      names.add(info.asDocument().getString("name").getValue());
    }
    return names;
  }
}
