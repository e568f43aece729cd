package io.sluice.node;

import static com.mongodb.client.model.Filters.eq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Updates;
import com.mongodb.client.model.changestream.FullDocumentBeforeChange;
import io.sluice.client.ChangeStreamCursor;
import io.sluice.client.ChangeStreamDocument;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceCollection;

import io.sluice.node.cli.CliRunner;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.bson.Document;
import org.bson.types.Binary;
import org.bson.types.Decimal128;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A snapshot copied from a node is a backup: {@code sluice admin restore} puts it into another cluster whole. */
class BackupRestoreTest {
  private static final int ORDERS = 2_500;

  @TempDir
  Path dir;

  @Test
  void aBackupRestoredIntoANewClusterHasTheSameCollectionsIndexesAndDocuments() throws Exception {
    Path backup;
    Map<String, List<Document>> before;
    try (LocalCluster old = LocalCluster.start(dir.resolve("old"), 3, b -> b.snapshotEveryEntries(1_000_000));
         SluiceClient client = old.client()) {
      fill(client);
      before = contents(client);
      CliRunner.Result snapshot = CliRunner.capture("admin", "snapshot", "--connect", old.connectionString());
      assertThat(snapshot.exitCode()).as(snapshot.err()).isZero();
      backup = copyNewestSnapshot(old.config(old.awaitLeader()), dir.resolve("backup"));
    }

    try (LocalCluster fresh = LocalCluster.start(dir.resolve("new"), 3);
         SluiceClient client = fresh.client()) {
      CliRunner.Result restored = CliRunner.capture("admin", "restore", backup.toString(), "--connect", fresh.connectionString());
      assertThat(restored.exitCode()).as(restored.err()).isZero();
      assertThat(restored.out()).startsWith("restored 3 collections, 2 indexes, 2,510 documents from " + backup.getFileName());
      assertThat(contents(client)).isEqualTo(before);

      SluiceCollection orders = client.getDatabase("shop").getCollection("orders");
      assertThatThrownBy(() -> orders.insertOne(new Document("_id", -1).append("sku", "sku-7")))
          .isInstanceOfSatisfying(SluiceException.class, e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.DUPLICATE_KEY));
      try (ChangeStreamCursor<ChangeStreamDocument> stream = orders.watch()
          .fullDocumentBeforeChange(FullDocumentBeforeChange.REQUIRED).cursor()) {
        orders.updateOne(eq("_id", 7), Updates.inc("qty", 1));
        assertThat(stream.next().getFullDocumentBeforeChange()).as("pre-images stay enabled").isEqualTo(before.get("shop.orders").get(7));
      }
      fresh.awaitIdenticalState();

      CliRunner.Result again = CliRunner.capture("admin", "restore", backup.toString(), "--connect", fresh.connectionString());
      assertThat(again.exitCode()).isEqualTo(2);
      assertThat(again.err()).contains("the cluster already has audit.log, shop.empty, shop.orders").contains("--drop").hasLineCount(1);
      assertThat(orders.countDocuments()).isEqualTo(ORDERS);

      CliRunner.Result replaced = CliRunner.capture("admin", "restore", backup.toString(), "--drop", "--connect", fresh.connectionString());
      assertThat(replaced.exitCode()).as(replaced.err()).isZero();
      assertThat(contents(client)).as("the update made after the first restore is gone").isEqualTo(before);
    }
  }

  /** Documents of several BSON types, two secondary indexes, a collection with pre-images, an empty one. */
  private static void fill(SluiceClient client) {
    client.getDatabase("shop").createCollection("orders", true);
    client.getDatabase("shop").createCollection("empty");
    SluiceCollection orders = client.getDatabase("shop").getCollection("orders");
    orders.createIndex(Indexes.ascending("sku"), new IndexOptions().unique(true));
    orders.createIndex(Indexes.compoundIndex(Indexes.descending("total"), Indexes.ascending("sku")), new IndexOptions().name("by_total").sparse(true));
    List<Document> batch = new ArrayList<>();
    for (int i = 0; i < ORDERS; i++) {
      batch.add(new Document("_id", i).append("sku", "sku-" + i).append("qty", (long) i).append("total", new Decimal128(i * 3L))
          .append("tags", List.of("a", i % 2 == 0 ? "even" : "odd")).append("blob", new Binary((byte) 0x80, new byte[] {(byte) i}))
          .append("ref", UUID.nameUUIDFromBytes(new byte[] {(byte) i}).toString()));
      if (batch.size() == 500) {
        orders.insertMany(batch);
        batch.clear();
      }
    }
    SluiceCollection log = client.getDatabase("audit").getCollection("log");
    for (int i = 0; i < 10; i++) {
      log.insertOne(new Document("at", new java.util.Date(1_700_000_000_000L + i)).append("n", i));
    }
  }

  /** Every collection's documents in _id order, and its index list, by namespace. */
  private static Map<String, List<Document>> contents(SluiceClient client) {
    Map<String, List<Document>> contents = new LinkedHashMap<>();
    for (String db : List.of("audit", "shop")) {
      for (String name : client.getDatabase(db).listCollectionNames()) {
        SluiceCollection c = client.getDatabase(db).getCollection(name);
        contents.put(db + "." + name, c.find().sort(Indexes.ascending("_id")).into(new ArrayList<>()));
        contents.put(db + "." + name + " indexes", c.listIndexes().into(new ArrayList<>()));
      }
    }
    return contents;
  }

  private static Path copyNewestSnapshot(NodeConfig node, Path target) throws Exception {
    List<Path> snapshots = SnapshotTest.snapshotFiles(node);
    Path newest = snapshots.get(snapshots.size() - 1);
    Files.createDirectories(target);
    Path copy = target.resolve(newest.getFileName());
    Files.copy(newest, copy, StandardCopyOption.COPY_ATTRIBUTES);
    Path checksum = newest.resolveSibling(newest.getFileName() + ".crc32c");
    Files.copy(checksum, target.resolve(checksum.getFileName()));
    return copy;
  }
}
