package io.sluice.statemachine.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.protocol.Position;
import io.sluice.protocol.Replies;
import io.sluice.statemachine.storage.MapDbDocumentStore;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.bson.BsonDocument;
import org.bson.BsonObjectId;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WriteStamperTest {
  /** Hands out 000...1, 000...2, ... and remembers how many it gave. */
  private final List<ObjectId> handedOut = new ArrayList<>();
  private final Supplier<ObjectId> ids = () -> {
    ObjectId id = new ObjectId(String.format("%024x", handedOut.size() + 1));
    handedOut.add(id);
    return id;
  };
  private final WriteStamper stamper = new WriteStamper(ids);

  private static BsonDocument doc(String json) {
    return BsonDocument.parse(json);
  }

  private static BsonValue oid(int n) {
    return new BsonObjectId(new ObjectId(String.format("%024x", n)));
  }

  private LogEntry stamp(String json) {
    return stamper.stamp(LogEntry.toBytes(doc(json)), 1234L);
  }

  @Test
  void addsIdAsFirstFieldToInsertedDocumentsLackingOne() {
    LogEntry entry = stamp("{insert: 'c', documents: [{a: 1, b: 2}, {_id: 5, x: 1}, {c: 3}], '$db': 'db'}");
    BsonDocument command = entry.command();
    List<BsonValue> docs = command.getArray("documents").getValues();
    assertThat(docs.get(0).asDocument().keySet()).containsExactly("_id", "a", "b");
    assertThat(docs.get(0)).isEqualTo(doc("{a: 1, b: 2}").append("_id", oid(1)));
    assertThat(docs.get(0).asDocument().get("_id")).isEqualTo(oid(1));
    assertThat(docs.get(1)).isEqualTo(doc("{_id: 5, x: 1}"));
    assertThat(docs.get(2).asDocument().get("_id")).isEqualTo(oid(2));
    assertThat(docs.get(2).asDocument().keySet()).containsExactly("_id", "c");
    assertThat(command.getFirstKey()).isEqualTo("insert");
    assertThat(command.getString("$db").getValue()).isEqualTo("db");
    assertThat(handedOut).hasSize(2);
  }

  @Test
  void carriesTheWallTime() {
    assertThat(stamp("{insert: 'c', documents: [{a: 1}], '$db': 'db'}").wallTimeMillis()).isEqualTo(1234L);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{insert: 'c', documents: [{_id: 1}, {_id: {x: 1}, a: 2}], '$db': 'db'}",
      "{insert: 'c', documents: [5, 'x', null], '$db': 'db'}",
      "{insert: 'c', documents: {a: 1}, '$db': 'db'}",
      "{insert: 'c', '$db': 'db'}",
      "{update: 'c', updates: [{q: {}, u: {$set: {a: 1}}}, {q: {}, u: {a: 1}, upsert: false}], '$db': 'db'}",
      "{update: 'c', updates: 'nope', '$db': 'db'}",
      "{delete: 'c', deletes: [{q: {}, limit: 0}], '$db': 'db'}",
      "{find: 'c', filter: {a: 1}, '$db': 'db'}",
      "{}"})
  void leavesCommandsWithNothingToStampByteIdentical(String json) {
    byte[] bytes = LogEntry.toBytes(doc(json));
    byte[] copy = bytes.clone();
    LogEntry entry = stamper.stamp(bytes, 1L);
    assertThat(entry.commandBytes()).isEqualTo(copy);
    assertThat(handedOut).isEmpty();
  }

  @Test
  void leavesUnparseableCommandsByteIdentical() {
    for (byte[] garbage : List.of(new byte[0], new byte[] {1, 2, 3, 4, 5, 6}, new byte[] {9, 0, 0, 0, 0x7e, 'a', 0, 1, 0})) {
      LogEntry entry = stamper.stamp(garbage.clone(), 77L);
      assertThat(entry.commandBytes()).isEqualTo(garbage);
      assertThat(entry.wallTimeMillis()).isEqualTo(77L);
    }
    assertThat(handedOut).isEmpty();
  }

  @Test
  void addsUpsertIdsOnlyToUpsertStatements() {
    LogEntry entry = stamp("{update: 'c', updates: ["
        + "{q: {a: 1}, u: {$set: {b: 1}}},"
        + "{q: {a: 2}, u: {$set: {b: 1}}, upsert: true},"
        + "{q: {a: 3}, u: {$set: {b: 1}}, upsert: false},"
        + "{q: {a: 4}, u: {b: 1}, upsert: true}], '$db': 'db'}");
    List<BsonValue> statements = entry.command().getArray("updates").getValues();
    assertThat(statements.get(0).asDocument().containsKey(WriteStamper.UPSERT_ID)).isFalse();
    assertThat(statements.get(1).asDocument().get(WriteStamper.UPSERT_ID)).isEqualTo(oid(1));
    assertThat(statements.get(2).asDocument().containsKey(WriteStamper.UPSERT_ID)).isFalse();
    assertThat(statements.get(3).asDocument().get(WriteStamper.UPSERT_ID)).isEqualTo(oid(2));
    assertThat(handedOut).hasSize(2);
  }

  @Test
  void keepsAnUpsertIdAlreadyPresent() {
    String json = "{update: 'c', updates: [{q: {}, u: {$set: {b: 1}}, upsert: true, '" + WriteStamper.UPSERT_ID
        + "': 7}], '$db': 'db'}";
    byte[] bytes = LogEntry.toBytes(doc(json));
    assertThat(stamper.stamp(bytes, 1L).commandBytes()).isEqualTo(bytes);
    assertThat(handedOut).isEmpty();
  }

  private BsonDocument applyStamped(String json) {
    MapDbDocumentStore store = MapDbDocumentStore.inMemory();
    try {
      return new WriteExecutor(store).apply(new ApplyContext(new Position(1, 1), 0, new BsonTimestamp(0, 1)),
          stamp(json).command());
    } finally {
      store.close();
    }
  }

  @Test
  void stampedInsertWithoutIdsIsAcceptedByApply() {
    BsonDocument reply = applyStamped("{insert: 'c', documents: [{a: 1}, {a: 2}], '$db': 'db'}");
    assertThat(reply).isEqualTo(doc("{ok: 1.0, n: 2}"));
  }

  @Test
  void stampedUpsertInsertsTheStampedId() {
    BsonDocument reply = applyStamped("{update: 'c', updates: [{q: {a: 1}, u: {$set: {b: 1}}, upsert: true}], '$db': 'db'}");
    assertThat(Replies.isOk(reply)).isTrue();
    assertThat(reply.getArray("upserted").get(0).asDocument().get("_id")).isEqualTo(oid(1));
  }

  @Test
  void numericUpsertFlagIsStampedLikeTrue() {
    BsonDocument reply = applyStamped("{update: 'c', updates: [{q: {a: 1}, u: {$set: {b: 1}}, upsert: 1}], '$db': 'db'}");
    assertThat(reply.containsKey("writeErrors")).as(reply.toJson()).isFalse();
    assertThat(reply.getArray("upserted")).hasSize(1);
  }
}
