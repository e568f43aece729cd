package io.sluice.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import com.mongodb.client.model.changestream.FullDocument;
import com.mongodb.client.model.changestream.FullDocumentBeforeChange;
import io.sluice.client.ChangeStreamCursor;
import io.sluice.client.ChangeStreamDocument;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceCollection;
import io.sluice.client.SluiceDatabase;
import io.sluice.protocol.ResumeToken;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bson.BsonDocument;
import org.bson.Document;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The change-stream uses of ../shared/seeds/, translated line for line to the Java client: the
 * order event processor (a filtered, enriched stream with updateLookup, pre-images and startAfter) and
 * the multi-collection manager (three filtered collection streams, a database stream with computed
 * fields, and resume tokens persisted in a collection and loaded back).
 */
class SeedScenariosTest {
  @TempDir
  static Path dir;
  static LocalCluster cluster;
  static SluiceClient client;

  @BeforeAll
  static void start() {
    cluster = LocalCluster.start(dir, 3);
    client = cluster.client();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  /** The seed's orderProcessingPipeline: a $match on operationType and an $addFields with a $switch priority. */
  static List<Document> orderProcessingPipeline() {
    Document statusRegex = new Document("$regexMatch", new Document("input", "$$this.k").append("regex", "^(status|payment\\.status|fulfillment\\.).*"));
    Document itemsRegex = new Document("$regexMatch", new Document("input", "$$this.k").append("regex", "^(items\\.|shipping\\.|customer\\.).*"));
    Document high = new Document("case", new Document("$or", List.of(
        new Document("$eq", List.of("$operationType", "insert")),
        new Document("$eq", List.of("$operationType", "delete")),
        new Document("$anyElementTrue", new Document("$map", new Document("input", "$updateDescription.updatedFields").append("in", statusRegex))))))
        .append("then", "high");
    Document medium = new Document("case", new Document("$anyElementTrue",
        new Document("$map", new Document("input", "$updateDescription.updatedFields").append("in", itemsRegex))))
        .append("then", "medium");
    return List.of(
        new Document("$match", new Document("operationType", new Document("$in", List.of("insert", "update", "delete", "replace")))),
        new Document("$addFields", new Document("documentKey", "$documentKey")
            .append("changeType", "$operationType")
            .append("changedFields", new Document("$objectToArray", "$updateDescription.updatedFields"))
            .append("removedFields", "$updateDescription.removedFields")
            .append("processingPriority", new Document("$switch", new Document("branches", List.of(high, medium)).append("default", "low")))));
  }

  static Document sampleOrder(ObjectId id) {
    return new Document("_id", id)
        .append("customerId", new ObjectId("64a1b2c3d4e5f6789012347a"))
        .append("orderNumber", "ORD-2024-001234")
        .append("status", "pending")
        .append("financial", new Document("subtotal", 299.99).append("tax", 24.00).append("total", 314.98).append("currency", "USD"))
        .append("items", List.of(new Document("productId", new ObjectId("64b2c3d4e5f6789012347b1a")).append("sku", "LAPTOP-PRO-2024")
            .append("quantity", 1).append("status", "pending").append("trackingNumber", null)))
        .append("customer", new Document("email", "customer@example.com").append("name", "John Smith").append("loyaltyTier", "gold"))
        .append("shipping", new Document("method", "standard").append("trackingNumber", null)
            .append("address", new Document("city", "San Francisco").append("coordinates",
                new Document("type", "Point").append("coordinates", List.of(-122.3937, 37.7955)))))
        .append("payment", new Document("method", "credit_card").append("status", "pending")
            .append("processor", new Document("name", "stripe").append("chargeId", null)))
        .append("audit", new Document("createdAt", new Date(1_730_989_800_000L)).append("version", 1).append("changes", List.of()))
        .append("metadata", new Document("features", new Document("realTimeTracking", true)));
  }

  @Test
  void theOrderEventProcessorSeesPrioritisedEventsWithLookupAndPreImagesAndResumesWithStartAfter() {
    SluiceDatabase db = client.getDatabase("ecommerce");
    db.createCollection("orders", true);
    SluiceCollection orders = db.getCollection("orders");
    ResumeToken resumeToken;
    ObjectId orderId = new ObjectId();
    try (ChangeStreamCursor<ChangeStreamDocument> changeStream = orders.watch(orderProcessingPipeline())
        .fullDocument(FullDocument.UPDATE_LOOKUP)
        .fullDocumentBeforeChange(FullDocumentBeforeChange.WHEN_AVAILABLE)
        .maxAwaitTime(1000, TimeUnit.MILLISECONDS)
        .batchSize(100)
        .cursor()) {
      orders.insertOne(sampleOrder(orderId));
      // authorizePayment
      orders.updateOne(Filters.eq("_id", orderId), Updates.combine(
          Updates.set("payment.status", "authorized"), Updates.set("payment.processor.chargeId", "ch_123"),
          Updates.set("audit.updatedAt", new Date()), Updates.set("audit.updatedBy", "payment_processor"),
          Updates.inc("audit.version", 1)));
      orders.updateOne(Filters.eq("_id", orderId), Updates.set("items.0.status", "reserved"));
      orders.updateOne(Filters.eq("_id", orderId), Updates.set("notes", "gift"));

      ChangeStreamDocument created = changeStream.next();
      assertThat(created.getOperationTypeString()).isEqualTo("insert");
      assertThat(created.get("processingPriority").asString().getValue()).isEqualTo("high");
      assertThat(created.getFullDocument().getString("orderNumber")).isEqualTo("ORD-2024-001234");
      assertThat(created.get("changeType").asString().getValue()).isEqualTo("insert");

      ChangeStreamDocument paid = changeStream.next();
      assertThat(paid.get("processingPriority").asString().getValue()).isEqualTo("high");
      assertThat(paid.getUpdateDescription().getUpdatedFields().getString("payment.status").getValue()).isEqualTo("authorized");
      assertThat(paid.getFullDocument().get("payment", Document.class).getString("status")).isEqualTo("authorized");
      assertThat(paid.getFullDocumentBeforeChange().get("payment", Document.class).getString("status")).isEqualTo("pending");
      assertThat(paid.get("changedFields").asArray()).hasSize(5);

      ChangeStreamDocument reserved = changeStream.next();
      assertThat(reserved.get("processingPriority").asString().getValue()).isEqualTo("medium");
      resumeToken = reserved.getResumeToken();
    }
    // handleChangeStreamError: restart from the stored token with startAfter: the next event is the one after it.
    try (ChangeStreamCursor<ChangeStreamDocument> restarted = orders.watch(orderProcessingPipeline())
        .fullDocument(FullDocument.UPDATE_LOOKUP).fullDocumentBeforeChange(FullDocumentBeforeChange.WHEN_AVAILABLE)
        .startAfter(resumeToken).cursor()) {
      ChangeStreamDocument notes = restarted.next();
      assertThat(notes.get("processingPriority").asString().getValue()).isEqualTo("low");
      assertThat(notes.getUpdateDescription().getUpdatedFields().getString("notes").getValue()).isEqualTo("gift");
    }
  }

  @Test
  void theMultiCollectionManagerFiltersEachStreamAndPersistsAndReloadsItsTokens() {
    SluiceDatabase db = client.getDatabase("ecommerce2");
    SluiceCollection orders = db.getCollection("orders");
    SluiceCollection inventory = db.getCollection("inventory");
    SluiceCollection customers = db.getCollection("customers");
    SluiceCollection tokenCollection = db.getCollection("change_stream_tokens");
    Document ordersFilter = new Document("$match", new Document("$or", List.of(
        new Document("operationType", "insert"),
        new Document("operationType", "update").append("updateDescription.updatedFields.status", new Document("$exists", true)),
        new Document("operationType", "update").append("updateDescription.updatedFields.payment.status", new Document("$exists", true)))));
    Document inventoryFilter = new Document("$match", new Document("$or", List.of(
        new Document("operationType", "update").append("updateDescription.updatedFields.availableQuantity", new Document("$exists", true)),
        new Document("operationType", "update").append("updateDescription.updatedFields.reservedQuantity", new Document("$exists", true)))));
    Document customersFilter = new Document("$match", new Document("operationType", new Document("$in", List.of("insert", "update")))
        .append("$or", List.of(
            new Document("fullDocument.loyaltyTier", new Document("$exists", true)),
            new Document("updateDescription.updatedFields.loyaltyTier", new Document("$exists", true)),
            new Document("updateDescription.updatedFields.preferences", new Document("$exists", true)))));
    List<Document> databasePipeline = List.of(
        new Document("$match", new Document("$or", List.of(
            new Document("operationType", "insert").append("fullDocument.metadata.requiresCrossCollectionSync", true),
            new Document("operationType", "update").append("updateDescription.updatedFields.syncRequired", new Document("$exists", true))))),
        new Document("$addFields", new Document("collectionName", "$ns.coll").append("databaseName", "$ns.db")
            .append("changeSignature", new Document("$concat", List.of("$ns.coll", "_", "$operationType", "_",
                new Document("$toString", "$clusterTime"))))));

    List<ChangeStreamDocument> orderEvents = new ArrayList<>();
    List<ChangeStreamDocument> inventoryEvents = new ArrayList<>();
    List<ChangeStreamDocument> customerEvents = new ArrayList<>();
    List<ChangeStreamDocument> databaseEvents = new ArrayList<>();
    try (ChangeStreamCursor<ChangeStreamDocument> ordersStream = orders.watch(List.of(ordersFilter))
             .fullDocument(FullDocument.UPDATE_LOOKUP).fullDocumentBeforeChange(FullDocumentBeforeChange.WHEN_AVAILABLE)
             .maxAwaitTime(1000, TimeUnit.MILLISECONDS).cursor();
         ChangeStreamCursor<ChangeStreamDocument> inventoryStream = inventory.watch(List.of(inventoryFilter))
             .fullDocument(FullDocument.UPDATE_LOOKUP).maxAwaitTime(1000, TimeUnit.MILLISECONDS).cursor();
         ChangeStreamCursor<ChangeStreamDocument> customersStream = customers.watch(List.of(customersFilter))
             .fullDocument(FullDocument.UPDATE_LOOKUP).maxAwaitTime(1000, TimeUnit.MILLISECONDS).cursor();
         ChangeStreamCursor<ChangeStreamDocument> dbStream = db.watch(databasePipeline)
             .fullDocument(FullDocument.UPDATE_LOOKUP).maxAwaitTime(2000, TimeUnit.MILLISECONDS).cursor()) {
      orders.insertOne(new Document("_id", 1).append("status", "pending").append("payment", new Document("status", "pending")));
      orders.updateOne(Filters.eq("_id", 1), Updates.set("notes", "not interesting"));
      orders.updateOne(Filters.eq("_id", 1), Updates.set("payment.status", "captured"));
      orders.updateOne(Filters.eq("_id", 1), Updates.set("status", "shipped"));
      inventory.insertOne(new Document("_id", "sku-1").append("availableQuantity", 5).append("reservedQuantity", 0));
      inventory.updateOne(Filters.eq("_id", "sku-1"), Updates.combine(Updates.inc("availableQuantity", -1), Updates.inc("reservedQuantity", 1)));
      inventory.updateOne(Filters.eq("_id", "sku-1"), Updates.set("warehouse", "WEST-01"));
      customers.insertOne(new Document("_id", "c1").append("name", "Ann"));
      customers.insertOne(new Document("_id", "c2").append("name", "Bob").append("loyaltyTier", "gold"));
      customers.updateOne(Filters.eq("_id", "c1"), Updates.set("preferences", new Document("sms", true)));
      orders.insertOne(new Document("_id", 2).append("metadata", new Document("requiresCrossCollectionSync", true)));
      inventory.updateOne(Filters.eq("_id", "sku-1"), Updates.set("syncRequired", true));

      orderEvents.addAll(ChangeStreamTest.take(ordersStream, 4));
      inventoryEvents.addAll(ChangeStreamTest.take(inventoryStream, 1));
      customerEvents.addAll(ChangeStreamTest.take(customersStream, 2));
      databaseEvents.addAll(ChangeStreamTest.take(dbStream, 2));

      // persistResumeToken: each stream's token goes into a collection, upserted by stream name.
      for (var entry : List.of(java.util.Map.entry("orders", ordersStream), java.util.Map.entry("inventory", inventoryStream))) {
        tokenCollection.updateOne(Filters.eq("streamName", entry.getKey()), Updates.combine(
            Updates.set("resumeToken", entry.getValue().getResumeToken().toBson()), Updates.set("lastUpdated", new Date()),
            Updates.set("streamName", entry.getKey())), new UpdateOptions().upsert(true));
      }
    }
    assertThat(orderEvents).extracting(e -> e.getOperationTypeString() + ":" + e.getDocumentKey().getInt32("_id").getValue())
        .containsExactly("insert:1", "update:1", "update:1", "insert:2");
    assertThat(orderEvents.get(1).getUpdateDescription().getUpdatedFields().containsKey("payment.status")).isTrue();
    assertThat(orderEvents.get(2).getFullDocument().getString("status")).isEqualTo("shipped");
    assertThat(inventoryEvents.get(0).getFullDocument().getInteger("availableQuantity")).isEqualTo(4);
    assertThat(customerEvents).extracting(e -> e.getDocumentKey().getString("_id").getValue()).containsExactly("c2", "c1");
    assertThat(databaseEvents).extracting(e -> e.get("collectionName").asString().getValue()).containsExactly("orders", "inventory");
    assertThat(databaseEvents.get(0).get("changeSignature").asString().getValue()).startsWith("orders_insert_Timestamp(");
    assertThat(databaseEvents.get(1).get("databaseName").asString().getValue()).isEqualTo("ecommerce2");

    // loadPersistedResumeTokens, then resume each stream where it stopped: nothing is repeated.
    orders.insertOne(new Document("_id", 3));
    for (Document stored : tokenCollection.find().into(new ArrayList<>())) {
      ResumeToken token = ResumeToken.fromBson(stored.toBsonDocument(BsonDocument.class,
          com.mongodb.MongoClientSettings.getDefaultCodecRegistry()).get("resumeToken"));
      if (stored.getString("streamName").equals("orders")) {
        try (ChangeStreamCursor<ChangeStreamDocument> resumed = orders.watch(List.of(ordersFilter)).startAfter(token).cursor()) {
          assertThat(resumed.next().getDocumentKey().getInt32("_id").getValue()).isEqualTo(3);
        }
      }
    }
  }
}
