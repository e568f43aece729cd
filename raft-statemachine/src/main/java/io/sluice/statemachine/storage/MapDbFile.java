package io.sluice.statemachine.storage;

import io.sluice.protocol.BsonBytes;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

/**
 * One open MapDB database and the named B-trees in it: the catalog, the meta map (applied state,
 * history bounds), the change history, the session table and the collections, opened on first use.
 */
final class MapDbFile {
  private static final String APPLIED_KEY = "applied";
  private static final String COLLECTION_PREFIX = "collection:";

  private final DB db;
  private final BTreeMap<String, byte[]> catalog;
  private final BTreeMap<String, byte[]> meta;
  private final MapDbChangeHistory history;
  private final MapDbSessionTable sessions;
  private final Map<String, BTreeMap<byte[], byte[]>> collections = new TreeMap<>();

  private MapDbFile(DB db) {
    this.db = db;
    this.catalog = db.treeMap("catalog", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
    this.meta = db.treeMap("meta", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
    this.history = new MapDbChangeHistory(db, meta);
    this.sessions = new MapDbSessionTable(db);
  }

  /**
   * Memory-mapped, without MapDB's write-ahead log and without MapDB's syncs: {@link MapDbDocumentStore}
   * handles crashes, and forces the file itself when it closes it. So a commit ({@link #flush}) only
   * writes MapDB's header, and a snapshot's copy does not wait for the store's dirty pages to reach disk.
   */
  static MapDbFile open(Path file) {
    return new MapDbFile(DBMaker.fileDB(file.toFile()).fileMmapEnableIfSupported().fileMmapPreclearDisable().fileSyncDisable().make());
  }

  static MapDbFile inMemory() {
    return new MapDbFile(DBMaker.memoryDB().make());
  }

  BTreeMap<String, byte[]> catalog() {
    return catalog;
  }

  MapDbChangeHistory history() {
    return history;
  }

  MapDbSessionTable sessions() {
    return sessions;
  }

  BTreeMap<byte[], byte[]> documents(String namespace) {
    synchronized (collections) {
      return collections.computeIfAbsent(namespace, ns ->
          db.treeMap(COLLECTION_PREFIX + ns, Serializer.BYTE_ARRAY, Serializer.BYTE_ARRAY).createOrOpen());
    }
  }

  AppliedState readApplied() {
    byte[] bytes = meta.get(APPLIED_KEY);
    return bytes == null ? AppliedState.INITIAL : AppliedState.fromBson(BsonBytes.decode(bytes));
  }

  void writeApplied(AppliedState state) {
    meta.put(APPLIED_KEY, BsonBytes.encode(state.toBson()));
  }

  /** Writes MapDB's header so that a byte copy of the file is a readable store. */
  void flush() {
    db.commit();
  }

  boolean isClosed() {
    return db.isClosed();
  }

  void close() {
    if (!db.isClosed()) {
      db.close();
    }
  }
}
