package io.sluice.node.bench;

import static com.mongodb.client.model.Filters.eq;

import com.mongodb.client.model.Updates;
import io.sluice.client.ReadPreference;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceCollection;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.bson.Document;
import org.bson.types.Binary;

/**
 * Sluice through its Java client: writes (half inserts of new documents, half {@code $set} of the
 * value of one of {@code keys} existing documents) or reads by {@code _id} of one of them. The
 * threads share {@code clients} client instances in turn.
 */
final class SluiceLoad implements LoadTarget {
  private final List<SluiceClient> clients = new ArrayList<>();
  private final List<SluiceCollection> collections = new ArrayList<>();
  private final AtomicInteger turn = new AtomicInteger();
  private final AtomicLong nextId;
  private final int keys;
  private final byte[] value;
  private final boolean reads;
  private final String name;

  private SluiceLoad(String connection, int clientCount, int keys, int valueBytes, ReadPreference reads, String name) {
    this.keys = keys;
    this.value = new byte[valueBytes];
    new SplittableRandom(7).nextBytes(value);
    this.reads = reads != null;
    this.name = name;
    this.nextId = new AtomicLong(keys);
    for (int i = 0; i < clientCount; i++) {
      SluiceClient client = SluiceClient.connect(connection + (connection.contains("?") ? "&" : "/?") + "timeoutMS=30000");
      clients.add(client);
      SluiceCollection c = client.getDatabase("bench").getCollection("load");
      collections.add(reads != null ? c.withReadPreference(reads) : c);
    }
  }

  /** Writes; the collection is dropped and {@code keys} documents are loaded first. */
  static SluiceLoad writes(String connection, int clients, int keys, int valueBytes) {
    return new SluiceLoad(connection, clients, keys, valueBytes, null, "sluice").loaded();
  }

  /** Reads with this preference (linearizable, or from a follower); the documents are loaded first. */
  static SluiceLoad reads(String connection, int clients, int keys, int valueBytes, ReadPreference preference, String name) {
    return new SluiceLoad(connection, clients, keys, valueBytes, preference, name).loaded();
  }

  private SluiceLoad loaded() {
    SluiceCollection c = clients.get(0).getDatabase("bench").getCollection("load");
    c.drop();
    List<Document> batch = new ArrayList<>();
    for (long id = 0; id < keys; id++) {
      batch.add(new Document("_id", id).append("v", new Binary(value)));
      if (batch.size() == 1000 || id == keys - 1) {
        c.insertMany(batch);
        batch.clear();
      }
    }
    return this;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String unit() {
    return reads ? "reads" : "writes";
  }

  @Override
  public void operate(SplittableRandom random) {
    SluiceCollection c = collections.get(Math.floorMod(turn.getAndIncrement(), collections.size()));
    long key = random.nextInt(keys);
    if (reads) {
      if (c.find(eq("_id", key)).first() == null) {
        throw new IllegalStateException("document " + key + " is missing");
      }
    } else if (random.nextBoolean()) {
      c.insertOne(new Document("_id", nextId.getAndIncrement()).append("v", new Binary(value)));
    } else {
      c.updateOne(eq("_id", key), Updates.set("v", new Binary(value)));
    }
  }

  @Override
  public void close() {
    clients.forEach(SluiceClient::close);
  }
}
