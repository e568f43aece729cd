package io.sluice.client;

import com.mongodb.client.model.FindOneAndDeleteOptions;
import com.mongodb.client.model.FindOneAndReplaceOptions;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.IndexModel;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.UpdateOptions;
import io.sluice.protocol.Replies;
import java.util.ArrayList;
import java.util.List;
import org.bson.BsonArray;
import org.bson.BsonBoolean;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonObjectId;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.bson.types.ObjectId;

/**
 * A collection, with the MongoDB Java driver's method names where the meaning is the same. Filters
 * and updates are {@link Bson}: build them with MongoDB's {@code Filters} and {@code Updates}, or pass
 * {@link Document}s. Immutable: {@link #withReadPreference} returns a new view.
 */
public final class SluiceCollection {
  private final String database;
  private final String name;
  private final RaftTransport transport;
  private final SluiceClient.Streams streams;
  private final ReadPreference readPreference;

  SluiceCollection(String database, String name, RaftTransport transport, SluiceClient.Streams streams, ReadPreference readPreference) {
    this.database = database;
    this.name = name;
    this.transport = transport;
    this.streams = streams;
    this.readPreference = readPreference;
  }

  /** A change stream of this collection; it ends with an invalidate event if the collection is dropped or renamed. */
  public ChangeStreamIterable watch() {
    return watch(List.of());
  }

  public ChangeStreamIterable watch(List<? extends Bson> pipeline) {
    return new ChangeStreamIterable(streams, database, name, pipeline);
  }

  /** Turns pre- and post-images for change streams on or off ({@code collMod changeStreamPreAndPostImages}). */
  public void setPreAndPostImages(boolean enabled) {
    Replies.check(transport.write(command("collMod").append("changeStreamPreAndPostImages",
        new BsonDocument("enabled", BsonBoolean.valueOf(enabled)))));
  }

  /** Renames this collection (within or across databases); streams on it end with an invalidate. */
  public void renameCollection(String newDatabase, String newName) {
    Replies.check(transport.write(new BsonDocument("renameCollection", new BsonString(getNamespace()))
        .append("to", new BsonString(newDatabase + "." + newName)).append("$db", new BsonString("admin"))));
  }

  public String getNamespace() {
    return database + "." + name;
  }

  public ReadPreference getReadPreference() {
    return readPreference;
  }

  public SluiceCollection withReadPreference(ReadPreference preference) {
    return new SluiceCollection(database, name, transport, streams, preference);
  }

  /** Inserts one document; an {@code _id} is generated here (an ObjectId) if it has none. */
  public WriteResult insertOne(Document document) {
    return insertMany(List.of(document));
  }

  /** Inserts documents in order, stopping at the first failure (MongoDB's ordered insert). */
  public WriteResult insertMany(List<Document> documents) {
    BsonArray array = new BsonArray();
    List<BsonValue> ids = new ArrayList<>();
    for (Document document : documents) {
      BsonDocument bson = Documents.toBson(document);
      if (!bson.containsKey("_id")) {
        BsonDocument withId = new BsonDocument("_id", new BsonObjectId(new ObjectId()));
        withId.putAll(bson);
        bson = withId;
      }
      ids.add(bson.get("_id"));
      array.add(bson);
    }
    return write(command("insert").append("documents", array), ids);
  }

  public WriteResult updateOne(Bson filter, Bson update) {
    return updateOne(filter, update, new UpdateOptions());
  }

  public WriteResult updateOne(Bson filter, Bson update, UpdateOptions options) {
    return update(filter, Documents.toUpdate(update), options.isUpsert(), false, options.getArrayFilters());
  }

  public WriteResult updateMany(Bson filter, Bson update) {
    return updateMany(filter, update, new UpdateOptions());
  }

  public WriteResult updateMany(Bson filter, Bson update, UpdateOptions options) {
    return update(filter, Documents.toUpdate(update), options.isUpsert(), true, options.getArrayFilters());
  }

  public WriteResult replaceOne(Bson filter, Document replacement) {
    return replaceOne(filter, replacement, new ReplaceOptions());
  }

  public WriteResult replaceOne(Bson filter, Document replacement, ReplaceOptions options) {
    return update(filter, Documents.toReplacement(replacement), options.isUpsert(), false, null);
  }

  public WriteResult deleteOne(Bson filter) {
    return delete(filter, 1);
  }

  public WriteResult deleteMany(Bson filter) {
    return delete(filter, 0);
  }

  /** Updates the first document the filter matches and returns it as it was before (or after: {@link ReturnDocument#AFTER}). */
  public Document findOneAndUpdate(Bson filter, Bson update) {
    return findOneAndUpdate(filter, update, new FindOneAndUpdateOptions());
  }

  public Document findOneAndUpdate(Bson filter, Bson update, FindOneAndUpdateOptions options) {
    BsonDocument change = new BsonDocument("update", Documents.toUpdate(update));
    appendArrayFilters(change, options.getArrayFilters());
    return findAndModify(filter, change, options.getSort(), options.getProjection(), options.isUpsert(), options.getReturnDocument());
  }

  /** Replaces the first document the filter matches and returns it as it was before (or after: {@link ReturnDocument#AFTER}). */
  public Document findOneAndReplace(Bson filter, Document replacement) {
    return findOneAndReplace(filter, replacement, new FindOneAndReplaceOptions());
  }

  public Document findOneAndReplace(Bson filter, Document replacement, FindOneAndReplaceOptions options) {
    return findAndModify(filter, new BsonDocument("update", Documents.toReplacement(replacement)), options.getSort(), options.getProjection(),
        options.isUpsert(), options.getReturnDocument());
  }

  /** Deletes the first document the filter matches (in the options' sort order) and returns it; null if none matched. */
  public Document findOneAndDelete(Bson filter) {
    return findOneAndDelete(filter, new FindOneAndDeleteOptions());
  }

  public Document findOneAndDelete(Bson filter, FindOneAndDeleteOptions options) {
    return findAndModify(filter, new BsonDocument("remove", BsonBoolean.TRUE), options.getSort(), options.getProjection(),
        false, ReturnDocument.BEFORE);
  }

  public FindIterable find() {
    return find(new BsonDocument());
  }

  public FindIterable find(Bson filter) {
    return new FindIterable(this, Documents.toBson(filter));
  }

  public long countDocuments() {
    return countDocuments(new BsonDocument());
  }

  public long countDocuments(Bson filter) {
    BsonDocument reply = read(command("count").append("query", Documents.toBson(filter)), io.sluice.protocol.Position.ZERO);
    return reply.getNumber("n").longValue();
  }

  /** The result of an aggregation pipeline over this collection (see {@link AggregateIterable}). */
  public AggregateIterable aggregate(List<? extends Bson> pipeline) {
    return new AggregateIterable(this, pipeline);
  }

  /** The distinct values of {@code fieldName} in this collection's documents, decoded as {@code resultClass}. */
  public <T> DistinctIterable<T> distinct(String fieldName, Class<T> resultClass) {
    return new DistinctIterable<>(this, fieldName, resultClass);
  }

  /** The distinct values of {@code fieldName} in the documents that {@code filter} matches. */
  public <T> DistinctIterable<T> distinct(String fieldName, Bson filter, Class<T> resultClass) {
    return new DistinctIterable<>(this, fieldName, resultClass).filter(filter);
  }

  /** Creates an ascending/descending index on {@code keys} (build them with MongoDB's {@code Indexes}); returns its name. */
  public String createIndex(Bson keys) {
    return createIndex(keys, new IndexOptions());
  }

  /**
   * Creates an index with the driver's options: {@code name}, {@code unique} and {@code sparse} are
   * built; the others are passed on, and the node refuses those it does not support by name.
   */
  public String createIndex(Bson keys, IndexOptions options) {
    return createIndexes(List.of(new IndexModel(keys, options))).get(0);
  }

  /** Creates the indexes, all or none (a duplicate key in a unique index fails the whole request); returns their names. */
  public List<String> createIndexes(List<IndexModel> indexes) {
    BsonArray specs = new BsonArray();
    List<String> names = new ArrayList<>();
    for (IndexModel index : indexes) {
      BsonDocument spec = IndexSpecs.of(index);
      specs.add(spec);
      names.add(spec.getString("name").getValue());
    }
    Replies.check(transport.write(command("createIndexes").append("indexes", specs)));
    return names;
  }

  /** The indexes of the collection, {@code _id_} first, as {@code {v, key, name, unique?, sparse?}}. */
  public ResultIterable<Document> listIndexes() {
    return new ResultIterable<>() {
      @Override
      List<Document> run() {
        return readAll(command("listIndexes"), io.sluice.protocol.Position.ZERO, 0);
      }
    };
  }

  /** Drops the index with this name; the {@code _id_} index cannot be dropped. */
  public void dropIndex(String indexName) {
    Replies.check(transport.write(command("dropIndexes").append("index", new BsonString(indexName))));
  }

  /** Drops the index with these keys. */
  public void dropIndex(Bson keys) {
    Replies.check(transport.write(command("dropIndexes").append("index", Documents.toBson(keys))));
  }

  /** Drops every index but {@code _id_}. */
  public void dropIndexes() {
    dropIndex("*");
  }

  /** Drops the collection and its documents; dropping a missing collection succeeds. */
  public void drop() {
    Replies.check(transport.write(command("drop")));
  }

  /** Adds the driver's {@code arrayFilters} option, if set, to an update statement or command. */
  private static void appendArrayFilters(BsonDocument target, List<? extends Bson> arrayFilters) {
    if (arrayFilters != null) {
      BsonArray filters = new BsonArray();
      arrayFilters.forEach(f -> filters.add(Documents.toBson(f)));
      target.append("arrayFilters", filters);
    }
  }

  /** A {@code findAndModify} of {@code change} ({@code update} or {@code remove}); the document it returns, or null. */
  private Document findAndModify(Bson filter, BsonDocument change, Bson sort, Bson projection, boolean upsert, ReturnDocument returned) {
    BsonDocument command = command("findAndModify").append("query", Documents.toBson(filter));
    command.putAll(change);
    if (sort != null) {
      command.append("sort", Documents.toBson(sort));
    }
    if (projection != null) {
      command.append("fields", Documents.toBson(projection));
    }
    command.append("new", BsonBoolean.valueOf(returned == ReturnDocument.AFTER)).append("upsert", BsonBoolean.valueOf(upsert));
    BsonValue value = Replies.check(transport.write(command)).get("value");
    return value == null || value.isNull() ? null : Documents.toDocument(value.asDocument());
  }

  private WriteResult update(Bson filter, BsonDocument update, boolean upsert, boolean multi, List<? extends Bson> arrayFilters) {
    BsonDocument statement = new BsonDocument("q", Documents.toBson(filter)).append("u", update)
        .append("upsert", BsonBoolean.valueOf(upsert)).append("multi", BsonBoolean.valueOf(multi));
    appendArrayFilters(statement, arrayFilters);
    return write(command("update").append("updates", new BsonArray(List.of(statement))), List.of());
  }

  private WriteResult delete(Bson filter, int limit) {
    BsonDocument statement = new BsonDocument("q", Documents.toBson(filter)).append("limit", new BsonInt32(limit));
    return write(command("delete").append("deletes", new BsonArray(List.of(statement))), List.of());
  }

  private WriteResult write(BsonDocument command, List<BsonValue> insertedIds) {
    BsonDocument reply = Replies.check(transport.write(command));
    if (reply.isArray("writeErrors") && !reply.getArray("writeErrors").isEmpty()) {
      BsonArray errors = reply.getArray("writeErrors");
      int applied = reply.getNumber("n").intValue();
      throw new SluiceWriteException(errors.get(0).asDocument(), errors,
          WriteResult.fromReply(reply, insertedIds.subList(0, Math.min(applied, insertedIds.size()))));
    }
    return WriteResult.fromReply(reply, insertedIds);
  }

  BsonDocument read(BsonDocument command, io.sluice.protocol.Position atLeast) {
    return Replies.check(answer(command, atLeast).reply());
  }

  /**
   * Every document of a read that answers with a cursor ({@code find}, {@code aggregate}): its first
   * batch, then {@code getMore}s (of {@code batchSize} documents if positive) to the node that
   * answered until the cursor is exhausted.
   */
  List<Document> readAll(BsonDocument command, io.sluice.protocol.Position atLeast, int batchSize) {
    RaftTransport.Answer first = answer(command, atLeast);
    BsonDocument cursor = Replies.check(first.reply()).getDocument("cursor");
    List<Document> docs = new ArrayList<>();
    cursor.getArray("firstBatch").forEach(doc -> docs.add(Documents.toDocument(doc.asDocument())));
    for (long id = cursor.getNumber("id").longValue(); id != 0; id = cursor.getNumber("id").longValue()) {
      // The offset lets the node answer a resent getMore (the Raft client resends a lost read) with the same batch.
      BsonDocument getMore = new BsonDocument("getMore", new org.bson.BsonInt64(id)).append("collection", new BsonString(name))
          .append("$db", new BsonString(database)).append("$sluiceOffset", new org.bson.BsonInt64(docs.size()));
      if (batchSize > 0) {
        getMore.append("batchSize", new BsonInt32(batchSize));
      }
      cursor = Replies.check(transport.readOn(first.node(), getMore)).getDocument("cursor");
      cursor.getArray("nextBatch").forEach(doc -> docs.add(Documents.toDocument(doc.asDocument())));
    }
    return docs;
  }

  private RaftTransport.Answer answer(BsonDocument command, io.sluice.protocol.Position atLeast) {
    return switch (readPreference.mode()) {
      case LINEARIZABLE -> transport.readLinearizable(command);
      case FOLLOWER -> transport.readFromFollower(command, atLeast);
    };
  }

  BsonDocument command(String commandName) {
    return new BsonDocument(commandName, new BsonString(name)).append("$db", new BsonString(database));
  }
}
