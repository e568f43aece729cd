package io.sluice.node.admin;

import com.mongodb.client.model.IndexModel;
import com.mongodb.client.model.IndexOptions;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceCollection;
import io.sluice.protocol.Position;
import io.sluice.statemachine.SnapshotBackup;
import io.sluice.statemachine.storage.DocumentStore;
import io.sluice.statemachine.storage.IndexSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.bson.BsonDocument;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;

/**
 * Restores a backup (a node's snapshot file) into a running cluster, as {@code mongorestore} does:
 * every collection with its options and indexes, then its documents in batches, all through the Raft
 * log, so every node gets them. The cluster's own change history starts afresh: the backup's history
 * and resume tokens are not carried over (they name positions in another log).
 *
 * <p>Nothing is written if a collection of the backup already exists in the cluster, unless
 * {@code drop} is set; then each such collection is dropped just before it is restored (as
 * {@code mongorestore --drop} does).
 */
public final class BackupRestore {
  /** A batch is cut at whichever comes first; a single document of up to 16 MiB goes alone. */
  private static final int BATCH_DOCUMENTS = 1_000;
  private static final int BATCH_BYTES = 8 << 20;
  private static final long PROGRESS_EVERY_NANOS = 1_000_000_000L;

  /** What was restored, and the position in the old cluster's log the backup was taken at. */
  public record Summary(int collections, int indexes, long documents, Position backupPosition) {}

  private final SluiceClient client;
  private final Consumer<String> progress;
  private long lastProgress = System.nanoTime();

  private BackupRestore(SluiceClient client, Consumer<String> progress) {
    this.client = client;
    this.progress = progress;
  }

  /**
   * @param workRoot where the backup is copied to be opened (it needs the backup's size free)
   * @param progress gets a line about once a second while documents are written
   * @throws IllegalArgumentException if the backup is missing or damaged
   * @throws AdminException (bad input) if a collection exists and {@code drop} is not set; (failed)
   *     if the cluster fails part way, naming what was written
   */
  public static Summary restore(Path backup, Path workRoot, SluiceClient client, boolean drop, Consumer<String> progress) {
    Path work = temporaryDirectory(workRoot);
    // An interrupted restore (Ctrl-C) would otherwise leave a whole copy of the backup behind.
    Thread cleanup = new Thread(() -> deleteRecursively(work), "restore-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanup);
    try (DocumentStore store = SnapshotBackup.open(backup, work)) {
      BackupRestore restore = new BackupRestore(client, progress);
      if (!drop) {
        restore.refuseExisting(store.collections().keySet());
      }
      int collections = 0;
      int indexes = 0;
      long documents = 0;
      for (Map.Entry<String, BsonDocument> collection : store.collections().entrySet()) {
        String namespace = collection.getKey();
        try {
          indexes += restore.createCollection(namespace, collection.getValue(), store.indexes(namespace), drop);
          documents += restore.insertAll(namespace, store.scan(namespace), store.count(namespace));
        } catch (RuntimeException e) {
          throw AdminException.failed(String.format(Locale.ROOT, "restore stopped at %s after %d of %d collections: %s; run it again"
              + " with --drop to start over", namespace, collections, store.collections().size(), Causes.rootMessage(e)), e);
        }
        collections++;
      }
      return new Summary(collections, indexes, documents, store.appliedState().position());
    } finally {
      deleteRecursively(work);
      try {
        Runtime.getRuntime().removeShutdownHook(cleanup);
      } catch (IllegalStateException shuttingDown) {
        // The hook runs anyway.
      }
    }
  }

  private void refuseExisting(Iterable<String> namespaces) {
    TreeSet<String> existing = new TreeSet<>();
    for (String namespace : namespaces) {
      String[] parts = split(namespace);
      if (client.getDatabase(parts[0]).listCollectionNames().contains(parts[1])) {
        existing.add(namespace);
      }
    }
    if (!existing.isEmpty()) {
      throw AdminException.badInput("the cluster already has " + String.join(", ", existing)
          + "; restore into an empty cluster, or pass --drop to replace them (nothing was written)");
    }
  }

  /** Drops the collection if it is there, creates it with the backup's options and indexes; returns the index count. */
  private int createCollection(String namespace, BsonDocument options, List<IndexSpec> indexes, boolean drop) {
    String[] parts = split(namespace);
    SluiceCollection collection = client.getDatabase(parts[0]).getCollection(parts[1]);
    if (drop) {
      collection.drop();
    }
    BsonDocument images = options.getDocument("changeStreamPreAndPostImages", new BsonDocument());
    client.getDatabase(parts[0]).createCollection(parts[1], images.getBoolean("enabled", org.bson.BsonBoolean.FALSE).getValue());
    if (!indexes.isEmpty()) {
      // Before the documents, so each insert keeps the indexes up to date in small log entries,
      // rather than one entry that builds a whole index while every node's apply waits.
      collection.createIndexes(indexes.stream().map(BackupRestore::model).toList());
    }
    return indexes.size();
  }

  private long insertAll(String namespace, Iterator<BsonDocument> documents, long total) {
    String[] parts = split(namespace);
    SluiceCollection collection = client.getDatabase(parts[0]).getCollection(parts[1]);
    List<Document> batch = new ArrayList<>();
    long batchBytes = 0;
    long written = 0;
    while (documents.hasNext()) {
      BsonDocument document = documents.next();
      int bytes = new RawBsonDocument(document, new BsonDocumentCodec()).getByteBuffer().remaining();
      if (!batch.isEmpty() && (batch.size() == BATCH_DOCUMENTS || batchBytes + bytes > BATCH_BYTES)) {
        written += flush(collection, batch);
        batchBytes = 0;
        report(namespace, written, total);
      }
      batch.add(new Document(document));
      batchBytes += bytes;
    }
    if (!batch.isEmpty()) {
      written += flush(collection, batch);
    }
    return written;
  }

  private static int flush(SluiceCollection collection, List<Document> batch) {
    collection.insertMany(batch);
    int n = batch.size();
    batch.clear();
    return n;
  }

  private void report(String namespace, long written, long total) {
    long now = System.nanoTime();
    if (now - lastProgress >= PROGRESS_EVERY_NANOS) {
      lastProgress = now;
      progress.accept(String.format(Locale.ROOT, "%s: %,d of %,d documents", namespace, written, total));
    }
  }

  private static IndexModel model(IndexSpec spec) {
    return new IndexModel(spec.key(), new IndexOptions().name(spec.name()).unique(spec.unique()).sparse(spec.sparse()));
  }

  private static String[] split(String namespace) {
    int dot = namespace.indexOf('.');
    return new String[] {namespace.substring(0, dot), namespace.substring(dot + 1)};
  }

  private static Path temporaryDirectory(Path root) {
    try {
      return Files.createTempDirectory(root, "sluice-restore");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a directory in " + root + " to open the backup in", e);
    }
  }

  private static void deleteRecursively(Path directory) {
    try (Stream<Path> files = Files.walk(directory)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      // Only a temporary copy is left behind.
    }
  }
}
