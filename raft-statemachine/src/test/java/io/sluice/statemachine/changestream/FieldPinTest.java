package io.sluice.statemachine.changestream;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.statemachine.changestream.StreamSpec.FullDocument;
import java.util.Optional;
import org.bson.BsonArray;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.types.Decimal128;
import org.junit.jupiter.api.Test;

/** Which first $match stages pin a field, how values are keyed, and what an event holds at a pinned field. */
class FieldPinTest {

  private static Optional<FieldPin> pinOf(String stagesJson, FullDocument fullDocument) {
    BsonArray stages = BsonDocument.parse("{s: " + stagesJson + "}").getArray("s");
    return FieldPin.of(stages, fullDocument, StreamSpec.BeforeChange.OFF);
  }

  private static Optional<FieldPin> pinOf(String stagesJson) {
    return pinOf(stagesJson, FullDocument.DEFAULT);
  }

  private static EqualityKey key(BsonValue value) {
    return EqualityKey.of(value).orElseThrow();
  }

  @Test
  void anEqualityOrInOnTheDocumentKeyOrTheFullDocumentIsAPin() {
    assertThat(pinOf("[{$match: {'documentKey._id': 7}}]")).get().extracting(FieldPin::path).isEqualTo("documentKey._id");
    assertThat(pinOf("[{$match: {'fullDocument.user': {$eq: 'ann'}}}]").orElseThrow().values()).containsExactly(key(new BsonString("ann")));
    assertThat(pinOf("[{$match: {'fullDocument.a.b': {$in: [1, 'x', 2]}}}]").orElseThrow().values()).hasSize(3);
    assertThat(pinOf("[{$match: {$and: [{operationType: 'insert'}, {'fullDocument.user': 'ann'}]}}]")).isPresent();
    assertThat(pinOf("[{$match: {'fullDocument.user': 'ann'}}]", FullDocument.UPDATE_LOOKUP).orElseThrow().fullDocument())
        .isEqualTo(FullDocument.UPDATE_LOOKUP);
    assertThat(pinOf("[{$match: {'documentKey._id': 1}}]", FullDocument.UPDATE_LOOKUP).orElseThrow().fullDocument())
        .as("the mode does not matter to the document key").isEqualTo(FullDocument.DEFAULT);
  }

  @Test
  void theEqualityWithFewestValuesIsChosen() {
    FieldPin pin = pinOf("[{$match: {'documentKey._id': {$in: [1, 2, 3]}, 'fullDocument.user': 'ann'}}]").orElseThrow();
    assertThat(pin.path()).isEqualTo("fullDocument.user");
  }

  @Test
  void whatCannotBeRuledOutByOneValueIsNoPin() {
    assertThat(pinOf("[]")).isEmpty();
    assertThat(pinOf("[{$project: {x: 1}}, {$match: {'documentKey._id': 7}}]")).as("not the first stage").isEmpty();
    assertThat(pinOf("[{$match: {$or: [{'documentKey._id': 7}]}}]")).isEmpty();
    assertThat(pinOf("[{$match: {'documentKey._id': null}}]")).as("null matches a missing field").isEmpty();
    assertThat(pinOf("[{$match: {'fullDocument.tags': [1, 2]}}]")).isEmpty();
    assertThat(pinOf("[{$match: {'fullDocument.doc': {a: 1}}}]")).isEmpty();
    assertThat(pinOf("[{$match: {'fullDocument.ref': {$ref: 'c', $eq: 5}}}]")).as("a document to compare with, not operators").isEmpty();
    assertThat(pinOf("[{$match: {'fullDocument.name': {$regex: '^a'}}}]")).isEmpty();
    assertThat(pinOf("[{$match: {'fullDocument.n': {$in: [1, null]}}}]")).isEmpty();
    assertThat(pinOf("[{$match: {'fullDocument.n': {$gt: 1}}}]")).isEmpty();
    assertThat(pinOf("[{$match: {operationType: 'insert'}}]")).as("not a document's field").isEmpty();
    assertThat(pinOf("[{$match: {'updateDescription.updatedFields.x': 1}}]")).isEmpty();
    assertThat(pinOf("[{$match: {'documentKey._id': 5, $and: [{$expr: {$gt: [{$divide: [1, '$fullDocument.n']}, 0]}}]}}]"))
        .as("an expression can fail on an event the pin would skip").isEmpty();
    assertThat(pinOf("[{$match: {'fullDocument.text': {$regularExpression: {pattern: '(a|b)*c', options: ''}}, 'documentKey._id': 5}}]"))
        .as("so can a regular expression too costly to run").isEmpty();
    assertThat(pinOf("[{$match: {'documentKey._id': 5, 'fullDocument.tags': {$in: ['x', {$regularExpression: {pattern: 'y', options: ''}}]}}}]"))
        .isEmpty();
    assertThat(pinOf("[{$match: {'documentKey._id': 7}}]", FullDocument.REQUIRED)).as("a required image must be checked on every event")
        .isEmpty();
  }

  @Test
  void numbersAreKeyedByValueAsMatchComparesThem() {
    EqualityKey one = key(new BsonInt32(1));
    assertThat(key(new BsonInt64(1))).isEqualTo(one);
    assertThat(key(new BsonDouble(1.0))).isEqualTo(one);
    assertThat(key(new BsonDecimal128(Decimal128.parse("1.00")))).isEqualTo(one);
    assertThat(key(new BsonString("1"))).isNotEqualTo(one);
    assertThat(key(new BsonDouble(1.5))).isNotEqualTo(one);
    assertThat(key(new BsonDouble(-0.0))).isEqualTo(key(new BsonInt32(0)));
    assertThat(key(new BsonDouble(Double.NaN))).isEqualTo(key(new BsonDecimal128(Decimal128.NaN)));
    assertThat(EqualityKey.of(new BsonDocument())).isEmpty();
  }

  @Test
  void anEventHoldsTheValueItShowsAndAnArrayOrALookedUpDocumentCouldHoldAny() {
    BsonDocument insert = BsonDocument.parse("{operationType: 'insert', documentKey: {_id: 1}, fullDocument: {_id: 1, user: 'ann',"
        + " tags: ['a'], address: {city: 'Oslo'}, list: [{user: 'bob'}]}}");
    assertThat(FieldPin.touch(insert, "fullDocument.user", FullDocument.DEFAULT))
        .isEqualTo(new FieldPin.Touch(FieldPin.Held.VALUE, key(new BsonString("ann"))));
    assertThat(FieldPin.touch(insert, "fullDocument.address.city", FullDocument.DEFAULT).key()).isEqualTo(key(new BsonString("Oslo")));
    assertThat(FieldPin.touch(insert, "documentKey._id", FullDocument.DEFAULT).key()).isEqualTo(key(new BsonInt32(1)));
    assertThat(FieldPin.touch(insert, "fullDocument.tags", FullDocument.DEFAULT)).isEqualTo(FieldPin.Touch.UNKNOWN);
    assertThat(FieldPin.touch(insert, "fullDocument.list.user", FullDocument.DEFAULT)).isEqualTo(FieldPin.Touch.UNKNOWN);
    assertThat(FieldPin.touch(insert, "fullDocument.missing", FullDocument.DEFAULT)).isEqualTo(FieldPin.Touch.NOTHING);
    assertThat(FieldPin.touch(insert, "fullDocument.user.first", FullDocument.DEFAULT)).isEqualTo(FieldPin.Touch.NOTHING);

    BsonDocument update = BsonDocument.parse("{operationType: 'update', documentKey: {_id: 1}}");
    BsonDocument imaged = update.clone().append(ChangeRecorder.POST_IMAGE, BsonDocument.parse("{_id: 1, user: 'cy'}"));
    assertThat(FieldPin.touch(imaged, "fullDocument.user", FullDocument.DEFAULT)).as("shows no document").isEqualTo(FieldPin.Touch.NOTHING);
    assertThat(FieldPin.touch(imaged, "fullDocument.user", FullDocument.WHEN_AVAILABLE).key()).isEqualTo(key(new BsonString("cy")));
    assertThat(FieldPin.touch(update, "fullDocument.user", FullDocument.WHEN_AVAILABLE)).as("shows null").isEqualTo(FieldPin.Touch.NOTHING);
    assertThat(FieldPin.touch(imaged, "fullDocument.user", FullDocument.UPDATE_LOOKUP)).as("looked up when read")
        .isEqualTo(FieldPin.Touch.UNKNOWN);
    assertThat(FieldPin.touch(imaged, "documentKey._id", FullDocument.UPDATE_LOOKUP).held()).isEqualTo(FieldPin.Held.VALUE);

    BsonDocument delete = BsonDocument.parse("{operationType: 'delete', documentKey: {_id: 1}}");
    assertThat(FieldPin.touch(delete, "fullDocument.user", FullDocument.WHEN_AVAILABLE)).as("a delete shows no fullDocument")
        .isEqualTo(FieldPin.Touch.NOTHING);
    BsonDocument drop = BsonDocument.parse("{operationType: 'drop', ns: {db: 'db', coll: 'c'}}");
    assertThat(FieldPin.touch(drop, "documentKey._id", FullDocument.DEFAULT)).as("a drop ends every stream").isEqualTo(FieldPin.Touch.UNKNOWN);
  }
}
