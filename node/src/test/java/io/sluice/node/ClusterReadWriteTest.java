package io.sluice.node;

import static com.mongodb.client.model.Filters.eq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.mongodb.client.model.Accumulators;
import com.mongodb.client.model.Aggregates;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndDeleteOptions;
import com.mongodb.client.model.FindOneAndReplaceOptions;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.IndexModel;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import io.sluice.client.ChangeStreamCursor;
import io.sluice.client.ChangeStreamDocument;
import io.sluice.client.ReadPreference;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceCollection;
import io.sluice.client.SluiceWriteException;
import io.sluice.client.WriteResult;
import io.sluice.protocol.Position;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The user's first steps, against a real 3-node cluster in this JVM. */
class ClusterReadWriteTest {
  @TempDir
  static Path dir;
  static LocalCluster cluster;
  static SluiceClient client;

  @BeforeAll
  static void startCluster() {
    cluster = LocalCluster.start(dir, 3);
    client = cluster.client();
  }

  @AfterAll
  static void stopCluster() {
    cluster.close();
  }

  @Test
  void theReadmeExampleWorksEndToEnd() {
    SluiceCollection orders = client.getDatabase("shop").getCollection("orders");
    WriteResult w = orders.insertOne(new Document("_id", 1).append("status", "pending").append("total", 10));
    assertThat(w.position().index()).isPositive();
    assertThat(w.insertedId()).isPresent();

    WriteResult u = orders.updateOne(eq("_id", 1), Updates.combine(Updates.set("status", "paid"), Updates.inc("total", 5)));
    assertThat(u.matchedCount()).isEqualTo(1);
    assertThat(u.modifiedCount()).isEqualTo(1);
    assertThat(u.position()).isGreaterThan(w.position());

    Document d = orders.find(eq("status", "paid")).first();
    assertThat(d).isEqualTo(new Document("_id", 1).append("status", "paid").append("total", 15));

    Document f = orders.withReadPreference(ReadPreference.follower()).find(eq("_id", 1)).afterPosition(u.position()).first();
    assertThat(f.getInteger("total")).isEqualTo(15);

    assertThat(orders.deleteOne(eq("_id", 1)).deletedCount()).isEqualTo(1);
    assertThat(orders.find(eq("_id", 1)).first()).isNull();
  }

  @Test
  void theClientNamesTheNodeThatAnsweredItsLastCall() {
    SluiceCollection answers = client.getDatabase("shop").getCollection("answers");
    WriteResult w = answers.insertOne(new Document("_id", 1));
    int leader = cluster.leaderIndex();
    assertThat(client.lastAnsweredBy()).as("a write is answered by the leader").contains(cluster.node(leader).config().address());

    int follower = cluster.aFollower();
    try (SluiceClient direct = SluiceClient.connect("sluice://" + cluster.node(follower).config().address())) {
      assertThat(direct.lastAnsweredBy()).as("before any call").isEmpty();
      direct.getDatabase("shop").getCollection("answers").withReadPreference(ReadPreference.follower()).find()
          .afterPosition(w.position()).first();
      assertThat(direct.lastAnsweredBy()).as("a follower read is answered by the follower")
          .contains(cluster.node(follower).config().address());
    }
  }

  @Test
  void aFollowerServesAReadAtTheWritesPosition() {
    SluiceCollection items = client.getDatabase("shop").getCollection("items");
    WriteResult last = null;
    for (int i = 0; i < 20; i++) {
      last = items.insertOne(new Document("_id", "item-" + i).append("n", i));
    }
    int follower = cluster.aFollower();
    // A fresh client has seen nothing: only afterPosition makes the follower wait for the writes.
    try (SluiceClient fresh = SluiceClient.connect("sluice://" + cluster.node(follower).config().address())) {
      long count = fresh.getDatabase("shop").getCollection("items").withReadPreference(ReadPreference.follower())
          .find().afterPosition(last.position()).into(new ArrayList<>()).size();
      assertThat(count).isEqualTo(20);
    }
  }

  @Test
  void aFollowerReadWaitsForAPositionTheFollowerHasNotYetLearnedIsCommitted() throws Exception {
    SluiceCollection later = client.getDatabase("shop").getCollection("later");
    WriteResult before = later.insertOne(new Document("_id", 0));
    // Three log entries from now (Raft's commit metadata entries count too): no node knows that index
    // is committed when the read is sent.
    Position third = new Position(before.position().term(), before.position().index() + 3);
    int follower = cluster.aFollower();
    try (SluiceClient fresh = SluiceClient.connect("sluice://" + cluster.node(follower).config().address())) {
      SluiceCollection onFollower = fresh.getDatabase("shop").getCollection("later").withReadPreference(ReadPreference.follower());
      assertThat(onFollower.find().afterPosition(before.position()).first()).as("a first read opens the connection").isNotNull();
      CompletableFuture<List<Document>> read = CompletableFuture.supplyAsync(() -> onFollower.find().afterPosition(third)
          .into(new ArrayList<>()));
      List<Document> atOrBeforeThird = new ArrayList<>(List.of(new Document("_id", 0)));
      for (int i = 1; i <= 3; i++) {
        WriteResult w = later.insertOne(new Document("_id", i));
        if (w.position().index() <= third.index()) {
          atOrBeforeThird.add(new Document("_id", i));
        }
      }
      assertThat(atOrBeforeThird).as("the first write is at most three entries later").hasSizeGreaterThan(1);
      assertThat(read.get(30, TimeUnit.SECONDS)).containsAll(atOrBeforeThird);
    }
  }

  @Test
  void findSortsLimitsSkipsAndProjects() {
    SluiceCollection people = client.getDatabase("app").getCollection("people");
    people.insertMany(List.of(
        new Document("_id", 1).append("name", "ann").append("age", 31).append("city", "Oslo"),
        new Document("_id", 2).append("name", "bob").append("age", 25).append("city", "Rome"),
        new Document("_id", 3).append("name", "cid").append("age", 42).append("city", "Oslo"),
        new Document("_id", 4).append("name", "dee").append("city", "Lima")));
    List<Document> found = people.find(Filters.and(Filters.gte("age", 25), Filters.in("city", "Oslo", "Rome")))
        .sort(Sorts.descending("age")).skip(1).limit(2).projection(Projections.include("name")).into(new ArrayList<>());
    assertThat(found).containsExactly(new Document("_id", 1).append("name", "ann"), new Document("_id", 2).append("name", "bob"));
    assertThat(people.countDocuments(Filters.exists("age", false))).isEqualTo(1);
    assertThat(people.countDocuments(Filters.or(eq("city", "Lima"), Filters.lt("age", 30)))).isEqualTo(2);
    assertThat(client.getDatabase("app").listCollectionNames()).contains("people");
  }

  /** The driver's Aggregates and Accumulators builders, on the leader and on a follower. */
  @Test
  void aggregateAndDistinctTakeTheDriversBuilders() {
    SluiceCollection sales = client.getDatabase("app").getCollection("sales");
    sales.insertMany(List.of(
        new Document("_id", 1).append("item", "abc").append("quantity", 2).append("tags", List.of("a", "b")),
        new Document("_id", 2).append("item", "xyz").append("quantity", 10).append("tags", List.of("b")),
        new Document("_id", 3).append("item", "abc").append("quantity", 5).append("tags", List.of("c", "a"))));
    List<Bson> pipeline = List.of(
        Aggregates.match(Filters.gte("quantity", 2)),
        Aggregates.group("$item", Accumulators.sum("total", "$quantity"), Accumulators.avg("avg", "$quantity"),
            Accumulators.push("ids", "$_id")),
        Aggregates.sort(Sorts.descending("total")));
    List<Document> expected = List.of(
        new Document("_id", "xyz").append("total", 10).append("avg", 10.0).append("ids", List.of(2)),
        new Document("_id", "abc").append("total", 7).append("avg", 3.5).append("ids", List.of(1, 3)));
    assertThat(sales.aggregate(pipeline).into(new ArrayList<>())).isEqualTo(expected);
    assertThat(sales.aggregate(List.of(Aggregates.count("n"))).first()).isEqualTo(new Document("n", 3));
    assertThat(sales.distinct("tags", String.class).into(new ArrayList<>())).containsExactly("a", "b", "c");
    assertThat(sales.distinct("item", Filters.gt("quantity", 4), String.class).into(new ArrayList<>())).containsExactly("abc", "xyz");

    // A follower answers once it has applied this client's writes.
    SluiceCollection onFollower = sales.withReadPreference(ReadPreference.follower());
    assertThat(onFollower.aggregate(pipeline).into(new ArrayList<>())).isEqualTo(expected);
    assertThat(onFollower.distinct("quantity", Integer.class).into(new ArrayList<>())).containsExactly(2, 5, 10);
  }

  /** A job queue, the way users build one on findOneAndUpdate: each worker claims the oldest open job. */
  @Test
  void findOneAndModifyClaimsReplacesAndDeletesWithTheDriversOptions() {
    SluiceCollection jobs = client.getDatabase("app").getCollection("jobs");
    jobs.insertMany(List.of(new Document("_id", 1).append("state", "open").append("at", 30),
        new Document("_id", 2).append("state", "open").append("at", 10),
        new Document("_id", 3).append("state", "done").append("at", 20)));
    Document claimed = jobs.findOneAndUpdate(eq("state", "open"), Updates.set("state", "claimed"),
        new FindOneAndUpdateOptions().sort(Sorts.ascending("at")).returnDocument(ReturnDocument.AFTER)
            .projection(Projections.excludeId()));
    assertThat(claimed).isEqualTo(new Document("state", "claimed").append("at", 10));
    Document before = jobs.findOneAndUpdate(eq("state", "open"), Updates.inc("at", 1));
    assertThat(before).isEqualTo(new Document("_id", 1).append("state", "open").append("at", 30));

    Document created = jobs.findOneAndUpdate(eq("_id", 9), Updates.set("state", "open"),
        new FindOneAndUpdateOptions().upsert(true).returnDocument(ReturnDocument.AFTER));
    assertThat(created).isEqualTo(new Document("_id", 9).append("state", "open"));
    assertThat(jobs.findOneAndReplace(eq("_id", 3), new Document("state", "archived"),
        new FindOneAndReplaceOptions().returnDocument(ReturnDocument.AFTER))).isEqualTo(new Document("_id", 3).append("state", "archived"));
    assertThat(jobs.findOneAndDelete(Filters.exists("at"), new FindOneAndDeleteOptions().sort(Sorts.descending("at"))))
        .isEqualTo(new Document("_id", 1).append("state", "open").append("at", 31));
    assertThat(jobs.findOneAndDelete(eq("state", "nothing"))).isNull();
    assertThat(jobs.find().sort(Sorts.ascending("_id")).into(new ArrayList<>())).extracting(d -> d.get("_id")).containsExactly(2, 3, 9);
  }

  /** Positional updates with the driver's arrayFilters option; the change event names the element written. */
  @Test
  void positionalUpdatesWithTheDriversArrayFilters() {
    SluiceCollection students = client.getDatabase("app").getCollection("students");
    students.insertOne(new Document("_id", 1).append("grades", List.of(
        new Document("grade", 80).append("std", 6), new Document("grade", 85).append("std", 4), new Document("grade", 90).append("std", 6))));
    try (ChangeStreamCursor<ChangeStreamDocument> stream = students.watch().cursor()) {
      students.updateOne(eq("_id", 1), Updates.inc("grades.$[high].std", -1),
          new UpdateOptions().arrayFilters(List.of(Filters.gte("high.grade", 85))));
      students.updateOne(Filters.and(eq("_id", 1), eq("grades.grade", 80)), Updates.set("grades.$.std", 0));
      Document claimed = students.findOneAndUpdate(eq("_id", 1), Updates.set("grades.$[g].top", true),
          new FindOneAndUpdateOptions().arrayFilters(List.of(eq("g.grade", 90))).returnDocument(ReturnDocument.AFTER));
      assertThat(claimed.getList("grades", Document.class)).containsExactly(new Document("grade", 80).append("std", 0),
          new Document("grade", 85).append("std", 3), new Document("grade", 90).append("std", 5).append("top", true));
      assertThat(stream.next().getUpdateDescription().getUpdatedFields())
          .isEqualTo(new BsonDocument("grades.1.std", new BsonInt32(3)).append("grades.2.std", new BsonInt32(5)));
    }
  }

  /** Results larger than a batch come through getMore, from the node that ran the query (leader or follower). */
  @Test
  void largeResultsArriveInBatches() {
    SluiceCollection events = client.getDatabase("app").getCollection("events");
    List<Document> docs = new ArrayList<>();
    for (int i = 0; i < 250; i++) {
      docs.add(new Document("_id", i).append("kind", i % 2 == 0 ? "even" : "odd"));
    }
    events.insertMany(docs);
    assertThat(events.find().into(new ArrayList<>())).hasSize(250).first().isEqualTo(new Document("_id", 0).append("kind", "even"));
    SluiceCollection onFollower = events.withReadPreference(ReadPreference.follower());
    assertThat(onFollower.find(eq("kind", "odd")).batchSize(7).sort(Sorts.descending("_id")).into(new ArrayList<>()))
        .hasSize(125).first().isEqualTo(new Document("_id", 249).append("kind", "odd"));
    assertThat(onFollower.aggregate(List.of(Aggregates.match(eq("kind", "even")))).into(new ArrayList<>())).hasSize(125);
  }

  @Test
  void upsertInsertsTheFilterFieldsAndTheUpdateAndReportsTheId() {
    SluiceCollection counters = client.getDatabase("app").getCollection("counters");
    WriteResult first = counters.updateOne(eq("name", "visits"), Updates.inc("n", 1), new UpdateOptions().upsert(true));
    assertThat(first.upsertedId()).isPresent();
    counters.updateOne(eq("name", "visits"), Updates.inc("n", 1), new UpdateOptions().upsert(true));
    Document doc = counters.find(eq("name", "visits")).first();
    assertThat(doc.getInteger("n")).isEqualTo(2);
    assertThat(counters.countDocuments()).isEqualTo(1);
  }

  @Test
  void indexesAreBuiltOnEveryNodeAndAUniqueOneRefusesDuplicatesEverywhere() {
    SluiceCollection users = client.getDatabase("app").getCollection("users");
    users.insertMany(List.of(new Document("_id", 1).append("email", "a@x").append("age", 30),
        new Document("_id", 2).append("email", "b@x").append("age", 25)));
    assertThat(users.createIndex(Indexes.ascending("email"), new IndexOptions().unique(true))).isEqualTo("email_1");
    assertThat(users.createIndexes(List.of(new IndexModel(Indexes.compoundIndex(Indexes.descending("age"), Indexes.ascending("email")))))).containsExactly("age_-1_email_1");
    assertThat(users.listIndexes().into(new ArrayList<>())).extracting(d -> d.getString("name")).containsExactly("_id_", "age_-1_email_1", "email_1");

    SluiceWriteException duplicate = catchThrowableOfType(SluiceWriteException.class,
        () -> users.insertOne(new Document("_id", 3).append("email", "a@x")));
    assertThat(duplicate.code()).isEqualTo(11000);
    assertThat(duplicate.getMessage()).contains("index: email_1 dup key: { email: \"a@x\" }");
    WriteResult last = users.updateOne(eq("_id", 2), Updates.set("age", 26));

    SluiceCollection onFollower = users.withReadPreference(ReadPreference.follower());
    Document plan = onFollower.find(Filters.gt("age", 25)).afterPosition(last.position()).explain();
    Document scan = plan.get("queryPlanner", Document.class).get("winningPlan", Document.class).get("inputStage", Document.class);
    assertThat(scan.getString("indexName")).isEqualTo("age_-1_email_1");
    assertThat(plan.get("executionStats", Document.class).getLong("nReturned")).isEqualTo(2);
    assertThat(onFollower.find(Filters.eq("email", "b@x")).afterPosition(last.position()).first().getInteger("age")).isEqualTo(26);
    Document hinted = users.find(Filters.gt("age", 25)).hintString("email_1").explain();
    assertThat(hinted.get("queryPlanner", Document.class).get("winningPlan", Document.class).get("inputStage", Document.class)
        .getString("indexName")).isEqualTo("email_1");
    assertThat(users.find(Filters.gt("age", 25)).hint(Indexes.ascending("email")).into(new ArrayList<>())).hasSize(2);
    cluster.awaitIdenticalState();
    assertThat(cluster.node(0).digest()).isEqualTo(cluster.node(1).digest()).isEqualTo(cluster.node(2).digest());

    users.dropIndex("email_1");
    users.insertOne(new Document("_id", 3).append("email", "a@x"));
    users.dropIndexes();
    assertThat(users.listIndexes().into(new ArrayList<>())).extracting(d -> d.getString("name")).containsExactly("_id_");
  }

  @Test
  void everyNodeEndsWithIdenticalState() {
    SluiceCollection c = client.getDatabase("app").getCollection("digest");
    for (int i = 0; i < 10; i++) {
      c.insertOne(new Document("_id", i));
      c.updateMany(Filters.lt("_id", i), Updates.inc("seen", 1));
    }
    cluster.awaitIdenticalState();
    assertThat(cluster.node(0).digest()).isEqualTo(cluster.node(1).digest()).isEqualTo(cluster.node(2).digest());
  }
}
