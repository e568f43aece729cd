package io.sluice.statemachine.storage;

import io.sluice.protocol.BsonBytes;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

/**
 * {@link DocumentStore} on one MapDB file with its write-ahead log: every collection is a B-tree
 * from canonical {@code _id} key to document BSON; the catalog and the applied state are B-trees in
 * the same file, so one MapDB commit covers all of them.
 */
public final class MapDbDocumentStore implements DocumentStore {
  private static final String CATALOG = "catalog";
  private static final String META = "meta";
  private static final String APPLIED_KEY = "applied";
  private static final String COLLECTION_PREFIX = "collection:";

  private final DB db;
  private final BTreeMap<String, byte[]> catalog;
  private final BTreeMap<String, byte[]> meta;
  private final Map<String, BTreeMap<byte[], byte[]>> openCollections = new TreeMap<>();
  private final MapDbChangeHistory history;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private volatile AppliedState applied;
  private volatile AppliedState durable;
  private boolean dirty;

  private MapDbDocumentStore(DB db) {
    this.db = db;
    this.catalog = db.treeMap(CATALOG, Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
    this.meta = db.treeMap(META, Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
    byte[] appliedBytes = meta.get(APPLIED_KEY);
    this.history = new MapDbChangeHistory(db, meta);
    this.applied = appliedBytes == null ? AppliedState.INITIAL : AppliedState.fromBson(decode(appliedBytes));
    this.durable = applied;
  }

  /** Opens (or creates) the store in {@code directory}, forcing each commit to disk. */
  public static MapDbDocumentStore open(Path directory) {
    return open(directory, true);
  }

  /**
   * Opens (or creates) the store in {@code directory}. Every commit is atomic (MapDB's write-ahead
   * log); with {@code fsync} false it reaches the OS but is not forced to disk. That is safe against
   * a killed process, and the Raft log (always forced) holds every entry after the store's applied
   * position, which Raft replays at start; it saves a disk flush per applied entry on every node.
   */
  public static MapDbDocumentStore open(Path directory, boolean fsync) {
    try {
      Files.createDirectories(directory);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot create the store directory " + directory, e);
    }
    DBMaker.Maker maker = DBMaker.fileDB(directory.resolve("store.mapdb").toFile()).transactionEnable().closeOnJvmShutdown();
    return new MapDbDocumentStore((fsync ? maker : maker.fileSyncDisable()).make());
  }

  /** A store in memory only, for tests of the layers above. */
  public static MapDbDocumentStore inMemory() {
    return new MapDbDocumentStore(DBMaker.memoryDB().transactionEnable().make());
  }

  @Override
  public SortedMap<String, BsonDocument> collections() {
    SortedMap<String, BsonDocument> result = new TreeMap<>();
    catalog.forEach((ns, options) -> result.put(ns, decode(options)));
    return Collections.unmodifiableSortedMap(result);
  }

  @Override
  public boolean collectionExists(String namespace) {
    return catalog.containsKey(namespace);
  }

  @Override
  public Optional<BsonDocument> collectionOptions(String namespace) {
    byte[] options = catalog.get(namespace);
    return options == null ? Optional.empty() : Optional.of(decode(options));
  }

  @Override
  public void createCollection(String namespace, BsonDocument options) {
    catalog.put(namespace, encode(options));
  }

  @Override
  public void dropCollection(String namespace) {
    if (catalog.remove(namespace) != null) {
      documents(namespace).clear();
    }
  }

  @Override
  public Optional<BsonDocument> find(String namespace, BsonValue id) {
    if (!collectionExists(namespace)) {
      return Optional.empty();
    }
    byte[] bytes = documents(namespace).get(DocumentKeys.key(id));
    return bytes == null ? Optional.empty() : Optional.of(decode(bytes));
  }

  @Override
  public void put(String namespace, BsonDocument document) {
    if (!collectionExists(namespace)) {
      throw new IllegalStateException("collection " + namespace + " does not exist");
    }
    documents(namespace).put(DocumentKeys.key(document.get("_id")), encode(document));
  }

  @Override
  public boolean remove(String namespace, BsonValue id) {
    return collectionExists(namespace) && documents(namespace).remove(DocumentKeys.key(id)) != null;
  }

  @Override
  public Iterator<BsonDocument> scan(String namespace) {
    if (!collectionExists(namespace)) {
      return Collections.emptyIterator();
    }
    Iterator<byte[]> values = documents(namespace).values().iterator();
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return values.hasNext();
      }

      @Override
      public BsonDocument next() {
        return decode(values.next());
      }
    };
  }

  @Override
  public long count(String namespace) {
    return collectionExists(namespace) ? documents(namespace).sizeLong() : 0;
  }

  @Override
  public ChangeHistory history() {
    return history;
  }

  @Override
  public AppliedState appliedState() {
    return applied;
  }

  @Override
  public AppliedState durableState() {
    return durable;
  }

  @Override
  public void setApplied(AppliedState state) {
    meta.put(APPLIED_KEY, encode(state.toBson()));
    applied = state;
    dirty = true;
  }

  @Override
  public void commit() {
    db.commit();
    durable = applied;
    dirty = false;
  }

  @Override
  public boolean hasUncommittedChanges() {
    return dirty;
  }

  @Override
  public void rollback() {
    db.rollback();
    applied = durable;
    dirty = false;
    history.reload();
    // A collection opened inside the dropped transaction no longer exists in MapDB's name catalog.
    synchronized (openCollections) {
      openCollections.clear();
    }
  }

  @Override
  public String digest() {
    MessageDigest sha = sha256();
    lock.readLock().lock();
    try {
      catalog.forEach((ns, options) -> {
        sha.update(ns.getBytes(StandardCharsets.UTF_8));
        sha.update(options);
        documents(ns).forEach((key, doc) -> {
          sha.update(key);
          sha.update(doc);
        });
      });
      io.sluice.protocol.Position p = applied.position();
      sha.update(ByteBuffer.allocate(16).putLong(p.term()).putLong(p.index()).array());
    } finally {
      lock.readLock().unlock();
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  @Override
  public Lock readLock() {
    return lock.readLock();
  }

  @Override
  public Lock writeLock() {
    return lock.writeLock();
  }

  @Override
  public void close() {
    if (!db.isClosed()) {
      db.close();
    }
  }

  private BTreeMap<byte[], byte[]> documents(String namespace) {
    synchronized (openCollections) {
      return openCollections.computeIfAbsent(namespace, ns ->
          db.treeMap(COLLECTION_PREFIX + ns, Serializer.BYTE_ARRAY, Serializer.BYTE_ARRAY).createOrOpen());
    }
  }

  private static byte[] encode(BsonDocument doc) {
    return BsonBytes.encode(doc);
  }

  private static BsonDocument decode(byte[] bytes) {
    return BsonBytes.decode(bytes);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK always has SHA-256", e);
    }
  }

}
