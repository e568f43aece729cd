package io.sluice.statemachine.engine;

import static io.sluice.statemachine.engine.Bson.assertFails;
import static io.sluice.statemachine.engine.Bson.doc;
import static io.sluice.statemachine.engine.ExpressionTest.exact;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.sluice.protocol.ErrorCode;
import java.util.Optional;
import java.util.stream.Stream;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Two change-stream pipelines exactly as users wrote them, run on hand-made MongoDB change events. */
class SeedPipelinesTest {
  /** Pipeline (a): classify changes by priority. The regexes are JS string literals, so '\\.' is a regex '\.'. */
  static final String PRIORITY = """
      [{ $match: { operationType: { $in: ['insert', 'update', 'delete', 'replace'] } } },
       { $addFields: {
           documentKey: '$documentKey', changeType: '$operationType',
           changedFields: { $objectToArray: '$updateDescription.updatedFields' },
           removedFields: '$updateDescription.removedFields',
           processingPriority: { $switch: { branches: [
              { case: { $or: [ { $eq: ['$operationType', 'insert'] }, { $eq: ['$operationType', 'delete'] },
                    { $anyElementTrue: { $map: { input: '$updateDescription.updatedFields',
                        in: { $regexMatch: { input: '$$this.k', regex: '^(status|payment\\\\.status|fulfillment\\\\.).*' } } } } } ] },
                then: 'high' },
              { case: { $anyElementTrue: { $map: { input: '$updateDescription.updatedFields',
                    in: { $regexMatch: { input: '$$this.k', regex: '^(items\\\\.|shipping\\\\.|customer\\\\.).*' } } } } },
                then: 'medium' } ],
             default: 'low' } } } }]
      """;

  /** Pipeline (b): cross-collection sync signature. */
  static final String SYNC = """
      [{ $match: { $or: [ { operationType: 'insert', 'fullDocument.metadata.requiresCrossCollectionSync': true },
                          { operationType: 'update', 'updateDescription.updatedFields.syncRequired': { $exists: true } } ] } },
       { $addFields: { collectionName: '$ns.coll', databaseName: '$ns.db',
           changeSignature: { $concat: ['$ns.coll', '_', '$operationType', '_', { $toString: '$clusterTime' }] } } }]
      """;

  /** A change event in MongoDB's shape; {@code extra} holds fullDocument and/or updateDescription. */
  static BsonDocument event(String operationType, String extra) {
    String fields = "_id: {_data: '8265A1B2C3000000012B022C0100296E5A1004'}, operationType: '" + operationType + "',"
        + " clusterTime: Timestamp(1700000000, 1), wallTime: ISODate('2023-11-14T22:13:20.000Z'),"
        + " ns: {db: 'shop', coll: 'orders'}";
    if (!operationType.equals("drop")) {
      fields += ", documentKey: {_id: 42}";
    }
    return doc("{" + fields + (extra.isEmpty() ? "" : ", " + extra) + "}");
  }

  static BsonDocument update(String updatedFields, String removedFields) {
    return event("update", "updateDescription: {updatedFields: " + updatedFields + ", removedFields: " + removedFields
        + ", truncatedArrays: []}");
  }

  static final BsonDocument INSERT = event("insert",
      "fullDocument: {_id: 42, status: 'new', metadata: {requiresCrossCollectionSync: true}}");

  static Stream<Arguments> priorities() {
    return Stream.of(
        arguments("an insert is high", INSERT, "high"),
        arguments("a delete is high", event("delete", ""), "high"),
        arguments("an update of status is high", update("{status: 'shipped'}", "[]"), "high"),
        arguments("an update of payment.status is high", update("{'payment.status': 'paid'}", "[]"), "high"),
        arguments("an update of a fulfillment field is high", update("{notes: 'x', 'fulfillment.carrier': 'ups'}", "[]"), "high"),
        arguments("an update of items.0.status is medium", update("{'items.0.status': 'packed'}", "[]"), "medium"),
        arguments("an update of a shipping field is medium", update("{'shipping.address.city': 'Oslo'}", "['shipping.note']"), "medium"),
        arguments("an update of notes is low", update("{notes: 'call first'}", "[]"), "low"),
        arguments("an update with only removed fields is low", update("{}", "['status']"), "low"),
        arguments("statusCode is not status, but the regex has no end anchor so it is high",
            update("{statusCode: 3}", "[]"), "high"),
        arguments("order.status is not anchored at the start, so low", update("{'order.status': 'x'}", "[]"), "low"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("priorities")
  void priorityPipelineClassifiesChanges(String behaviour, BsonDocument event, String priority) {
    BsonDocument original = event.clone();
    BsonDocument out = Pipeline.compileForChangeStream(BsonArray.parse(PRIORITY)).apply(event).orElseThrow();
    assertThat(out.getString("processingPriority").getValue()).as(behaviour).isEqualTo(priority);
    assertThat(out.getString("changeType").getValue()).isEqualTo(event.getString("operationType").getValue());
    assertThat(exact(out.get("documentKey"))).isEqualTo(exact(event.get("documentKey")));
    assertThat(exact(event)).as("input not mutated").isEqualTo(exact(original));
  }

  @Test
  void priorityPipelineComputesTheWholeUpdateEvent() {
    BsonDocument event = update("{'payment.status': 'paid', total: 12.5}", "['coupon']");
    BsonDocument out = Pipeline.compileForChangeStream(BsonArray.parse(PRIORITY)).apply(event).orElseThrow();
    BsonDocument expected = event.clone();
    expected.put("changeType", doc("{v: 'update'}").get("v"));
    expected.put("changedFields", doc("{v: [{k: 'payment.status', v: 'paid'}, {k: 'total', v: 12.5}]}").get("v"));
    expected.put("removedFields", doc("{v: ['coupon']}").get("v"));
    expected.put("processingPriority", doc("{v: 'high'}").get("v"));
    assertThat(exact(out)).isEqualTo(exact(expected));
  }

  @Test
  void priorityPipelineOnAnInsertHasNullChangedFieldsAndNoRemovedFields() {
    BsonDocument out = Pipeline.compileForChangeStream(BsonArray.parse(PRIORITY)).apply(INSERT).orElseThrow();
    assertThat(out.get("changedFields").isNull()).isTrue();
    assertThat(out.containsKey("removedFields")).isFalse();
    assertThat(exact(out.get("fullDocument"))).isEqualTo(exact(INSERT.get("fullDocument")));
  }

  @Test
  void priorityPipelineFiltersOutADrop() {
    Optional<BsonDocument> out = Pipeline.compileForChangeStream(BsonArray.parse(PRIORITY)).apply(event("drop", ""));
    assertThat(out).isEmpty();
  }

  @Test
  void priorityPipelineRanksAReplaceLowInsteadOfFailingAsMongoDbWould() {
    // A replace event passes the $match but has no updateDescription: both $maps give null. MongoDB
    // fails the stream there; Sluice reads $anyElementTrue of null as false, so the seed works for every event.
    Pipeline pipeline = Pipeline.compileForChangeStream(BsonArray.parse(PRIORITY));
    BsonDocument replace = event("replace", "fullDocument: {_id: 42, status: 'new'}");
    assertThat(pipeline.apply(replace).orElseThrow().getString("processingPriority").getValue()).isEqualTo("low");
  }

  static Stream<Arguments> syncs() {
    return Stream.of(
        arguments("an insert that requires sync passes", INSERT, true),
        arguments("an insert that does not require sync is dropped",
            event("insert", "fullDocument: {_id: 42, metadata: {requiresCrossCollectionSync: false}}"), false),
        arguments("an insert without metadata is dropped", event("insert", "fullDocument: {_id: 42}"), false),
        arguments("an update that sets syncRequired passes", update("{syncRequired: false, x: 1}", "[]"), true),
        arguments("an update without syncRequired is dropped", update("{x: 1}", "[]"), false),
        arguments("an update removing syncRequired is dropped", update("{}", "['syncRequired']"), false),
        arguments("a delete is dropped", event("delete", ""), false),
        arguments("a replace with the flag is dropped (only inserts count)",
            event("replace", "fullDocument: {_id: 42, metadata: {requiresCrossCollectionSync: true}}"), false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("syncs")
  void syncPipelineSelectsAndSigns(String behaviour, BsonDocument event, boolean passes) {
    BsonDocument original = event.clone();
    Optional<BsonDocument> out = Pipeline.compileForChangeStream(BsonArray.parse(SYNC)).apply(event);
    assertThat(out.isPresent()).as(behaviour).isEqualTo(passes);
    out.ifPresent(result -> {
      String op = event.getString("operationType").getValue();
      assertThat(result.getString("collectionName").getValue()).isEqualTo("orders");
      assertThat(result.getString("databaseName").getValue()).isEqualTo("shop");
      assertThat(result.getString("changeSignature").getValue()).isEqualTo("orders_" + op + "_Timestamp(1700000000, 1)");
    });
    assertThat(exact(event)).as("input not mutated").isEqualTo(exact(original));
  }

  @Test
  void syncPipelineAppendsExactlyThreeFieldsInOrder() {
    BsonDocument out = Pipeline.compileForChangeStream(BsonArray.parse(SYNC)).apply(INSERT).orElseThrow();
    BsonDocument expected = INSERT.clone();
    expected.put("collectionName", doc("{v: 'orders'}").get("v"));
    expected.put("databaseName", doc("{v: 'shop'}").get("v"));
    expected.put("changeSignature", doc("{v: 'orders_insert_Timestamp(1700000000, 1)'}").get("v"));
    assertThat(exact(out)).isEqualTo(exact(expected));
  }

  @Test
  void pipelinesParseAsWritten() {
    BsonValue regex = BsonArray.parse(PRIORITY).get(1).asDocument().getDocument("$addFields")
        .getDocument("processingPriority").getDocument("$switch").getArray("branches").get(1).asDocument()
        .getDocument("case").getDocument("$anyElementTrue").getDocument("$map").getDocument("in")
        .getDocument("$regexMatch").get("regex");
    assertThat(regex.asString().getValue()).isEqualTo("^(items\\.|shipping\\.|customer\\.).*");
  }

  @Test
  void aMatchOnANestedUpdatedFieldSeesTheDottedKeyOfTheUpdate() {
    Pipeline pipeline = Pipeline.compileForChangeStream(BsonArray.parse(
        "[{$match: {operationType: 'update', 'updateDescription.updatedFields.payment.status': {$exists: true}}}]"));
    BsonDocument paid = update("{'payment.status': 'authorized'}", "[]");
    assertThat(pipeline.apply(paid)).contains(paid);
    assertThat(pipeline.apply(update("{'payment.method': 'card'}", "[]"))).isEmpty();
    // The delivered event keeps MongoDB's dotted keys.
    assertThat(pipeline.apply(paid).orElseThrow().getDocument("updateDescription").getDocument("updatedFields").keySet())
        .containsExactly("payment.status");
  }
}
