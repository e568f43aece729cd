package io.sluice.node;

import static com.mongodb.client.model.Filters.eq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Updates;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceCollection;
import io.sluice.client.SluiceWriteException;
import io.sluice.protocol.ClusterNaming;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.Replies;
import io.sluice.protocol.SluiceException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.bson.BsonBinaryReader;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.codecs.DecoderContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of bad request gets an error code and a message naming the problem; the nodes stay up
 * and the write acknowledged before it is untouched.
 */
class BadInputTest {
  @TempDir
  static Path dir;
  static LocalCluster cluster;
  static SluiceClient client;
  static SluiceCollection orders;
  static RaftClient raw;

  @BeforeAll
  static void start() {
    cluster = LocalCluster.start(dir, 3);
    client = cluster.client();
    orders = client.getDatabase("shop").getCollection("orders");
    List<RaftPeer> peers = java.util.stream.IntStream.range(0, 3).mapToObj(i -> cluster.node(i).config().address())
        .map(a -> RaftPeer.newBuilder().setId(ClusterNaming.peerId(a)).setAddress(a).build()).toList();
    raw = RaftClient.newBuilder().setProperties(new RaftProperties())
        .setRaftGroup(RaftGroup.valueOf(RaftGroupId.valueOf(ClusterNaming.groupId(ClusterNaming.DEFAULT_CLUSTER_NAME)), peers)).build();
  }

  @AfterAll
  static void stop() throws Exception {
    raw.close();
    cluster.close();
  }

  @BeforeEach
  void anAcknowledgedWrite() {
    orders.drop();
    orders.insertOne(new Document("_id", "keep").append("total", 10));
  }

  private void acknowledgedWriteIsIntactOnEveryNode() {
    assertThat(orders.find(eq("_id", "keep")).first()).isEqualTo(new Document("_id", "keep").append("total", 10));
    cluster.awaitIdenticalState();
  }

  @Test
  void malformedBsonIsRejectedAsInvalidBson() throws Exception {
    BsonDocument reply = decode(raw.io().send(Message.valueOf("this is not BSON at all")));
    assertThat(Replies.toException(reply).errorCode()).isEqualTo(ErrorCode.INVALID_BSON);
    BsonDocument readReply = decode(raw.io().sendReadOnly(Message.valueOf(ByteString.copyFrom(new byte[] {5, 0, 0, 0, 7}))));
    assertThat(Replies.toException(readReply).errorCode()).isEqualTo(ErrorCode.INVALID_BSON);
    acknowledgedWriteIsIntactOnEveryNode();
  }

  @Test
  void unknownCommandsAreRejectedAsCommandNotFound() throws Exception {
    BsonDocument command = new BsonDocument("frobnicate", new BsonString("orders")).append("$db", new BsonString("shop"));
    SluiceException write = Replies.toException(decode(raw.io().send(message(command))));
    assertThat(write.errorCode()).isEqualTo(ErrorCode.COMMAND_NOT_FOUND);
    assertThat(write.reason()).contains("frobnicate");
    SluiceException read = Replies.toException(decode(raw.io().sendReadOnly(message(command))));
    assertThat(read.errorCode()).isEqualTo(ErrorCode.COMMAND_NOT_FOUND);
    acknowledgedWriteIsIntactOnEveryNode();
  }

  @Test
  void unknownQueryOperatorIsABadValue() {
    assertThatThrownBy(() -> orders.find(new Document("total", new Document("$frob", 1))).first())
        .isInstanceOfSatisfying(SluiceException.class, e -> {
          assertThat(e.errorCode()).isEqualTo(ErrorCode.BAD_VALUE);
          assertThat(e.reason()).contains("$frob");
        });
    assertThatThrownBy(() -> orders.updateOne(eq("_id", "keep"), new Document("$frob", new Document("total", 1))))
        .isInstanceOfSatisfying(SluiceWriteException.class, e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.FAILED_TO_PARSE));
    acknowledgedWriteIsIntactOnEveryNode();
  }

  @Test
  void incOnAStringIsATypeMismatchAndChangesNothing() {
    orders.insertOne(new Document("_id", "s").append("status", "pending"));
    assertThatThrownBy(() -> orders.updateOne(eq("_id", "s"), Updates.inc("status", 1)))
        .isInstanceOfSatisfying(SluiceWriteException.class, e -> {
          assertThat(e.errorCode()).isEqualTo(ErrorCode.TYPE_MISMATCH);
          assertThat(e.reason()).contains("status");
        });
    assertThat(orders.find(eq("_id", "s")).first().getString("status")).isEqualTo("pending");
    acknowledgedWriteIsIntactOnEveryNode();
  }

  @Test
  void aDuplicateIdStopsAnOrderedInsertAtThatDocument() {
    assertThatThrownBy(() -> orders.insertMany(List.of(new Document("_id", 1), new Document("_id", 2), new Document("_id", 1), new Document("_id", 3))))
        .isInstanceOfSatisfying(SluiceWriteException.class, e -> {
          assertThat(e.errorCode()).isEqualTo(ErrorCode.DUPLICATE_KEY);
          assertThat(e.writeErrors()).hasSize(1);
          assertThat(e.writeErrors().get(0).asDocument().getInt32("index").getValue()).isEqualTo(2);
          assertThat(e.result().position().index()).isPositive();
        });
    assertThat(orders.countDocuments()).isEqualTo(3);
    acknowledgedWriteIsIntactOnEveryNode();
  }

  @Test
  void badIndexesAreRefusedByNameAndAUniqueIndexOverDuplicatesIsNotBuilt() {
    assertThatThrownBy(() -> orders.createIndex(Indexes.text("note")))
        .isInstanceOfSatisfying(SluiceException.class, e -> {
          assertThat(e.errorCode()).isEqualTo(ErrorCode.CANNOT_CREATE_INDEX);
          assertThat(e.reason()).contains("'text'");
        });
    assertThatThrownBy(() -> orders.createIndex(Indexes.ascending("total"), new IndexOptions().expireAfter(5L, TimeUnit.SECONDS)))
        .isInstanceOfSatisfying(SluiceException.class, e -> assertThat(e.reason()).contains("expireAfterSeconds"));
    orders.insertOne(new Document("_id", "twin").append("total", 10));
    assertThatThrownBy(() -> orders.createIndex(Indexes.ascending("total"), new IndexOptions().unique(true)))
        .isInstanceOfSatisfying(SluiceException.class, e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.DUPLICATE_KEY));
    assertThatThrownBy(() -> orders.dropIndex("nope"))
        .isInstanceOfSatisfying(SluiceException.class, e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.INDEX_NOT_FOUND));
    assertThat(orders.listIndexes().into(new java.util.ArrayList<>())).extracting(d -> d.getString("name")).containsExactly("_id_");
    acknowledgedWriteIsIntactOnEveryNode();
  }

  @Test
  void changingTheIdIsAnImmutableFieldError() {
    assertThatThrownBy(() -> orders.replaceOne(eq("_id", "keep"), new Document("_id", "other").append("total", 1)))
        .isInstanceOfSatisfying(SluiceWriteException.class, e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.IMMUTABLE_FIELD));
    acknowledgedWriteIsIntactOnEveryNode();
  }

  @Test
  void aDocumentOver16MiBIsRejectedAndOneJustUnderIsStored() {
    String big = "x".repeat(16 * 1024 * 1024);
    assertThatThrownBy(() -> orders.insertOne(new Document("_id", "big").append("blob", big)))
        .isInstanceOfSatisfying(SluiceWriteException.class, e -> {
          assertThat(e.errorCode()).isEqualTo(ErrorCode.BSON_OBJECT_TOO_LARGE);
          assertThat(e.reason()).contains("16777216");
        });
    String almost = "y".repeat(16 * 1024 * 1024 - 100);
    orders.insertOne(new Document("_id", "almost").append("blob", almost));
    assertThat(orders.find(eq("_id", "almost")).first().getString("blob")).hasSize(almost.length());
    acknowledgedWriteIsIntactOnEveryNode();
  }

  @Test
  void aChangeStreamPipelineOverTheCommandLimitIsRefusedAsTooLarge() {
    String big = "x".repeat(17 * 1024 * 1024);
    assertThatThrownBy(() -> {
      try (var stream = orders.watch(List.of(com.mongodb.client.model.Aggregates.match(eq("fullDocument.blob", big)))).cursor()) {
        stream.tryNext();
      }
    }).isInstanceOfSatisfying(SluiceException.class, e -> {
      assertThat(e.errorCode()).isEqualTo(ErrorCode.BSON_OBJECT_TOO_LARGE);
      assertThat(e.reason()).contains("the largest a node accepts");
    });
    acknowledgedWriteIsIntactOnEveryNode();
  }

  /** A result larger than one reply (16 MiB) arrives in several batches, through getMore. */
  @Test
  void aFindLargerThanOneReplyArrivesInBatches() {
    String nineMiB = "z".repeat(9 * 1024 * 1024);
    orders.insertOne(new Document("_id", "a").append("blob", nineMiB));
    orders.insertOne(new Document("_id", "b").append("blob", nineMiB));
    List<Document> found = orders.find(new Document("blob", new Document("$exists", true))).into(new java.util.ArrayList<>());
    assertThat(found).extracting(d -> d.getString("_id")).containsExactly("a", "b");
    assertThat(found).allSatisfy(d -> assertThat(d.getString("blob")).hasSize(nineMiB.length()));
    assertThat(orders.find(new Document("blob", new Document("$exists", true))).limit(1).first().getString("_id")).isEqualTo("a");
    acknowledgedWriteIsIntactOnEveryNode();
  }

  @Test
  void wrongTypesInACommandAreTypeMismatches() throws Exception {
    BsonDocument insert = new BsonDocument("insert", new BsonString("orders")).append("$db", new BsonString("shop"))
        .append("documents", new BsonString("not an array"));
    SluiceException e = Replies.toException(decode(raw.io().send(message(insert))));
    assertThat(e.errorCode()).isEqualTo(ErrorCode.TYPE_MISMATCH);
    assertThat(e.reason()).contains("insert.documents");
    acknowledgedWriteIsIntactOnEveryNode();
  }

  private static Message message(BsonDocument command) {
    return Message.valueOf(ByteString.copyFrom(new RawBsonDocument(command, new BsonDocumentCodec()).getByteBuffer().asNIO()));
  }

  private static BsonDocument decode(RaftClientReply reply) {
    assertThat(reply.isSuccess()).as("reply %s", reply).isTrue();
    byte[] bytes = reply.getMessage().getContent().toByteArray();
    assertThat(new String(bytes, StandardCharsets.ISO_8859_1)).isNotEmpty();
    try (BsonBinaryReader reader = new BsonBinaryReader(ByteBuffer.wrap(bytes))) {
      return new BsonDocumentCodec().decode(reader, DecoderContext.builder().build());
    }
  }
}
