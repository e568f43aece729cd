package io.sluice.statemachine.storage;

import io.sluice.protocol.BsonBytes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.bson.BsonBoolean;
import org.bson.BsonDocument;
import org.mapdb.BTreeMap;
import org.mapdb.CC;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;
import org.mapdb.StoreDirect;
import org.mapdb.volume.MappedFileVol;
import org.mapdb.volume.VolumeFactory;

/**
 * One open MapDB database and the named B-trees in it: the catalog, the meta map (applied state,
 * history bounds), the change history, the session table and the collections, opened on first use.
 */
final class MapDbFile {
  private static final String APPLIED_KEY = "applied";
  /** A collection's documents, keyed by {@code _id} ({@link DocumentRecords}). */
  private static final String DOCUMENTS_PREFIX = "documents:";
  /** A collection's documents in the nodes of its B-tree: the former layout, folded in at open. */
  private static final String FORMER_COLLECTION_PREFIX = "collection:";
  /** The property every B-tree has in MapDB's name catalog. */
  private static final String ROOT_PROPERTY = "#rootRecidRecid";
  private static final String INDEX_PREFIX = "index:";
  /** Kept in the index catalog beside the spec: some document reached the index through an array. */
  private static final String MULTIKEY = "multikey";
  /** Separates namespace and index name in the index catalog's keys; neither may contain it. */
  private static final char NAME_SEPARATOR = '\0';
  /** MapDB's default: 1 MiB slices of the mapped file. */
  private static final int SLICE_SHIFT = 20;
  /** How MapDB's catalog names its byte-array serializer (see {@link #forgetMapDbsByteArraySerializer}). */
  private static final String MAPDB_BYTE_ARRAY = "org.mapdb.Serializer#BYTE_ARRAY";

  private final DB db;
  /** The file's volume and its store; null in memory. */
  private final CopyOnWriteVolume volume;
  private final TrackedStore store;
  private final BTreeMap<String, byte[]> catalog;
  /** {@code ns NUL indexName} to the index's spec ({@link IndexSpec#toBson}). */
  private final BTreeMap<String, byte[]> indexCatalog;
  private final BTreeMap<String, byte[]> meta;
  private final BatchedFrees frees;
  private final MapDbChangeHistory history;
  private final MapDbSessionTable sessions;
  private final Map<String, DocumentRecords> collections = new TreeMap<>();
  /** The open secondary indexes of each collection, in name order; loaded on first use. */
  private final Map<String, List<SecondaryIndex>> indexes = new TreeMap<>();
  /** The applied state not yet in the meta map; null when the map's is current. */
  private AppliedState unsavedApplied;

  private MapDbFile(DB db, CopyOnWriteVolume volume, TrackedStore store) {
    this.db = db;
    this.volume = volume;
    this.store = store;
    forgetMapDbsByteArraySerializer(db);
    this.catalog = db.treeMap("catalog", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
    this.indexCatalog = db.treeMap("indexes", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
    this.meta = db.treeMap("meta", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
    this.frees = new BatchedFrees(db.getStore());
    this.history = new MapDbChangeHistory(db, frees, meta);
    this.sessions = new MapDbSessionTable(db, frees, meta, MapDbSessionTable.Capacity.DEFAULT);
    foldFormerCollections();
    // Every collection's tree is made here or when the collection is (under the write lock), never by a
    // reader: making a tree writes MapDB's catalog, which a checkpoint may be copying.
    catalog.keySet().forEach(this::documents);
  }

  /**
   * Moves the documents of each collection kept in its B-tree's nodes (a store written before
   * {@link DocumentRecords}) into records, then deletes the former tree: at open, before any reader.
   * A former tree whose collection is gone (dropped: emptied, not deleted) is deleted too. Whatever the
   * new tree held is dropped first, and so is the new tree of a collection dropped: it is older than the
   * former tree (a node that went back to a version without records, and forward again).
   */
  private void foldFormerCollections() {
    // Named from MapDB's catalog keys ("name#property"), longest first: a namespace may contain '#', and
    // dropping tree "t" deletes every name that starts with "t#".
    SortedSet<String> formerTrees = new TreeSet<>(Comparator.reverseOrder());
    for (String key : db.nameCatalogLoad().keySet()) {
      if (key.startsWith(FORMER_COLLECTION_PREFIX) && key.endsWith(ROOT_PROPERTY)) {
        formerTrees.add(key.substring(0, key.length() - ROOT_PROPERTY.length()));
      }
    }
    for (String treeName : formerTrees) {
      String namespace = treeName.substring(FORMER_COLLECTION_PREFIX.length());
      if (catalog.containsKey(namespace)) {
        BTreeMap<byte[], byte[]> former = db.treeMap(treeName, BufferedByteArrays.INSTANCE, BufferedByteArrays.INSTANCE).open();
        DocumentRecords documents = documents(namespace);
        documents.clear();
        former.forEach(documents::put);
      } else if (db.exists(documentsTree(namespace))) {
        documents(namespace).clear();
      }
      new TreeDrop(db, meta, "drop:" + treeName).drop(treeName, BufferedByteArrays.INSTANCE, BufferedByteArrays.INSTANCE, Runnable::run);
    }
  }

  /**
   * Memory-mapped, without MapDB's write-ahead log and without MapDB's syncs: {@link MapDbDocumentStore}
   * handles crashes, and forces the file itself when it closes it. So a commit ({@link #flush}) only
   * writes MapDB's header, and a checkpoint does not wait for the store's dirty pages to reach disk.
   * The volume is MapDB's own memory-mapped one (1 MiB slices, as MapDB makes it), wrapped for
   * copy-on-write checkpoints; the store is MapDB's, wrapped for compaction ({@link TrackedStore}),
   * with the settings MapDB's {@code DBMaker} gives it.
   */
  static MapDbFile open(Path file) {
    boolean exists = Files.exists(file);
    CopyOnWriteVolume volume = mappedVolume(file);
    try {
      TrackedStore store = new TrackedStore(storeOn(volume, exists, true));
      return new MapDbFile(new DB(store, exists, true, MapDbFile.class.getClassLoader(), 0), volume, store);
    } catch (RuntimeException e) {
      volume.close();
      throw e;
    }
  }

  /**
   * MapDB notes in its catalog which of its own serializers made a tree, and opens the tree with that
   * one whatever it is given. The store reads byte arrays its own way ({@link BufferedByteArrays},
   * {@link FixedWidthKeys}) from the same bytes, so it has MapDB forget its byte-array serializer: every
   * tree, also one made before those, then opens with the serializer the store passes. MapDB's catalog
   * does not require these entries, and older versions pass MapDB's serializer, which reads the same
   * bytes. Trees made since the last open (this constructor's own, in a new file) are named again, and
   * forgotten at the next open.
   */
  private static void forgetMapDbsByteArraySerializer(DB db) {
    SortedMap<String, String> names = db.nameCatalogLoad();
    if (names.values().removeIf(MAPDB_BYTE_ARRAY::equals)) {
      db.nameCatalogSave(names);
    }
  }

  /** The file, memory-mapped as MapDB maps it; created if missing. */
  static CopyOnWriteVolume mappedVolume(Path file) {
    return new CopyOnWriteVolume(new MappedFileVol.MappedFileFactory(false, true).makeVolume(file.toString(), false, 0L, SLICE_SHIFT, 0L, false));
  }

  /** MapDB's store on the volume, with the settings MapDB's {@code DBMaker} gives it ({@code threadSafe} aside). */
  static StoreDirect storeOn(CopyOnWriteVolume volume, boolean exists, boolean threadSafe) {
    return StoreDirect.Companion.make(null, VolumeFactory.wrap(volume, exists), 0L, false, threadSafe,
        threadSafe ? CC.STORE_DIRECT_CONC_SHIFT : 0, CC.PAGE_SIZE, 0L, false, false, false, true, false);
  }

  static MapDbFile inMemory() {
    return new MapDbFile(DBMaker.memoryDB().make(), null, null);
  }

  /** For tests of the layers on MapDB. */
  DB db() {
    return db;
  }

  /** The store, to copy it ({@link StoreCompaction}). */
  TrackedStore store() {
    return store;
  }

  /** The trees trimmed at one end, to renew now and then (see {@link RenewableTree}). */
  List<RenewableTree<?, ?>> renewableTrees() {
    return history.trees();
  }

  /** Bytes of the file that hold no record (0 in memory). */
  long freeBytes() {
    return store == null ? 0 : store.direct().getFreeSize();
  }

  /** The file's size (0 in memory). */
  long fileBytes() {
    return store == null ? 0 : store.direct().getTotalSize();
  }

  /** True while a checkpoint is being written. */
  boolean checkpointRunning() {
    return volume.copying();
  }

  /** Waits until no checkpoint is being written, or {@code millis} have passed. */
  void awaitNoCheckpoint(long millis) throws InterruptedException {
    volume.awaitNoCopy(millis);
  }

  /**
   * Starts a copy of the file as it is now (call {@link #flush} first, with no write under way);
   * writes may go on meanwhile. See {@link CopyOnWriteVolume}.
   */
  Checkpoint startCheckpoint(Path target) {
    return volume.startCopy(target);
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

  /**
   * A collection's documents. The tree's name ends with a NUL, which no namespace contains, so that no
   * collection's tree name begins another's (MapDB keeps a tree's names as {@code name#property}).
   */
  DocumentRecords documents(String namespace) {
    synchronized (collections) {
      return collections.computeIfAbsent(namespace, ns -> new DocumentRecords(
          db.treeMap(documentsTree(ns), BufferedByteArrays.INSTANCE, Serializer.LONG).counterEnable().createOrOpen(), db.getStore(), frees));
    }
  }

  private static String documentsTree(String namespace) {
    return DOCUMENTS_PREFIX + namespace + NAME_SEPARATOR;
  }

  /** The secondary indexes of the collection, in name order. */
  List<SecondaryIndex> indexes(String namespace) {
    synchronized (indexes) {
      return indexes.computeIfAbsent(namespace, ns -> {
        List<SecondaryIndex> open = new ArrayList<>();
        for (byte[] stored : indexCatalog.subMap(ns + NAME_SEPARATOR, ns + (char) (NAME_SEPARATOR + 1)).values()) {
          BsonDocument spec = BsonBytes.decode(stored);
          open.add(openIndex(ns, IndexSpec.fromBson(spec), spec.getBoolean(MULTIKEY, BsonBoolean.FALSE).getValue()));
        }
        return List.copyOf(open);
      });
    }
  }

  /** Records the index, with no entries, and returns it. */
  SecondaryIndex addIndex(String namespace, IndexSpec spec) {
    synchronized (indexes) {
      indexCatalog.put(namespace + NAME_SEPARATOR + spec.name(), BsonBytes.encode(spec.toBson()));
      indexes.remove(namespace);
      SecondaryIndex index = openIndex(namespace, spec, false);
      index.entries().clear();
      return index;
    }
  }

  /** Forgets the index and clears its entries. */
  void removeIndex(String namespace, String name) {
    synchronized (indexes) {
      for (SecondaryIndex index : indexes(namespace)) {
        if (index.spec().name().equals(name)) {
          index.entries().clear();
        }
      }
      indexCatalog.remove(namespace + NAME_SEPARATOR + name);
      indexes.remove(namespace);
    }
  }

  private SecondaryIndex openIndex(String namespace, IndexSpec spec, boolean multikey) {
    String catalogKey = namespace + NAME_SEPARATOR + spec.name();
    return new SecondaryIndex(namespace, spec, db.treeMap(INDEX_PREFIX + catalogKey, BufferedByteArrays.INSTANCE, BufferedByteArrays.INSTANCE).createOrOpen(),
        multikey, () -> indexCatalog.put(catalogKey, BsonBytes.encode(spec.toBson().append(MULTIKEY, BsonBoolean.TRUE))));
  }

  /** The applied state the file was last flushed with (a store reads it only when it opens the file). */
  AppliedState readApplied() {
    byte[] bytes = meta.get(APPLIED_KEY);
    return bytes == null ? AppliedState.INITIAL : AppliedState.fromBson(BsonBytes.decode(bytes));
  }

  /**
   * Notes the applied state, saved at the next {@link #flush}: the file is only read back after a
   * flush (a clean close, a checkpoint, a compaction), since a store cut off by a crash is discarded
   * ({@link MapDbDocumentStore#open}). Saving it with each entry rewrote a node of the meta map, and
   * the history's bounds another: about 5% of the apply thread's time under load (JFR).
   */
  void writeApplied(AppliedState state) {
    unsavedApplied = state;
  }

  /** Writes what is held back (applied state, history bounds, sessions) and MapDB's header, so that a byte copy of the file is a readable store. */
  void flush() {
    history.save();
    sessions.save();
    if (unsavedApplied != null) {
      meta.put(APPLIED_KEY, BsonBytes.encode(unsavedApplied.toBson()));
      unsavedApplied = null;
    }
    frees.flush();
    db.commit();
  }

  boolean isClosed() {
    return db.isClosed();
  }

  void close() {
    if (!db.isClosed()) {
      flush();
      db.close();
    }
  }
}
