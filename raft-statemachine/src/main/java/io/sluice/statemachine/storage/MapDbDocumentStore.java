package io.sluice.statemachine.storage;

import com.google.common.collect.Iterators;
import io.sluice.protocol.BsonBytes;
import io.sluice.statemachine.engine.KeyRanges;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.mapdb.DBException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link DocumentStore} on one memory-mapped MapDB file: every collection is a B-tree from canonical
 * {@code _id} key to the record of the document's BSON ({@link DocumentRecords}); the catalog, the change history and the applied state are
 * B-trees in the same file.
 *
 * <p>Crash safety does not come from MapDB's write-ahead log (a kill -9 during its replay was seen
 * to leave a file MapDB cannot read): the file is trusted only if it was closed cleanly. A marker
 * file exists while the store is open; a store found with its marker was cut off mid-write and is
 * discarded, and the node rebuilds its state from its latest snapshot ({@link #checkpoint}, a
 * consistent copy of the file) plus the Raft log after it.
 */
public final class MapDbDocumentStore implements DocumentStore {
  private static final Logger LOG = LoggerFactory.getLogger(MapDbDocumentStore.class);
  private static final String STORE_FILE = "store.mapdb";
  private static final String OPEN_MARKER = "store.open";

  private static final SortedMap<byte[], BsonDocument> EMPTY_KEYS = Collections.emptySortedMap();

  private final Path directory;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private volatile MapDbFile file;
  private volatile AppliedState applied;
  private final boolean foundDamaged;
  /** Null in memory. */
  private final StoreMaintenance maintenance;

  private MapDbDocumentStore(Path directory, MapDbFile file, boolean foundDamaged, CompactionPolicy compactionPolicy) throws IOException {
    this.directory = directory;
    this.file = file;
    this.applied = file.readApplied();
    this.foundDamaged = foundDamaged;
    this.maintenance = directory == null || compactionPolicy.equals(CompactionPolicy.OFF) ? null
        : new StoreMaintenance(directory.resolve(STORE_FILE), compactionPolicy, lock, () -> this.file, opened -> this.file = opened);
  }

  /**
   * Opens the store in {@code directory}, or creates an empty one. A store that was not closed
   * cleanly (or that MapDB cannot read) is discarded and reopened empty; {@link #foundDamaged} says so.
   */
  public static MapDbDocumentStore open(Path directory) {
    return open(directory, CompactionPolicy.DEFAULT);
  }

  /** {@link #open(Path)}, compacting the file when {@code compactionPolicy} says so ({@link StoreMaintenance}). */
  public static MapDbDocumentStore open(Path directory, CompactionPolicy compactionPolicy) {
    Path storeFile = directory.resolve(STORE_FILE);
    Path marker = directory.resolve(OPEN_MARKER);
    try {
      Files.createDirectories(directory);
      boolean damaged = Files.exists(marker) || hasWriteAheadLog(directory);
      if (damaged) {
        LOG.warn("the store in {} was not closed cleanly; discarding it (the latest snapshot and the Raft log rebuild it)", directory);
        deleteStoreFiles(directory);
      }
      Files.write(marker, new byte[0]);
      syncDirectory(directory);
      try {
        return new MapDbDocumentStore(directory, MapDbFile.open(storeFile), damaged, compactionPolicy);
      } catch (DBException e) {
        LOG.warn("the store file {} cannot be read ({}); discarding it", storeFile, e.getMessage());
        deleteStoreFiles(directory);
        return new MapDbDocumentStore(directory, MapDbFile.open(storeFile), true, compactionPolicy);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the store in " + directory, e);
    }
  }

  /** A store in memory only, for tests of the layers above; it cannot checkpoint. */
  public static MapDbDocumentStore inMemory() {
    try {
      return new MapDbDocumentStore(null, MapDbFile.inMemory(), false, CompactionPolicy.DEFAULT);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** True if {@link #open} found a store cut off by a crash (or unreadable) and started empty instead. */
  public boolean foundDamaged() {
    return foundDamaged;
  }

  @Override
  public SortedMap<String, BsonDocument> collections() {
    SortedMap<String, BsonDocument> result = new TreeMap<>();
    file.catalog().forEach((ns, options) -> result.put(ns, decode(options)));
    return Collections.unmodifiableSortedMap(result);
  }

  @Override
  public boolean collectionExists(String namespace) {
    return file.catalog().containsKey(namespace);
  }

  @Override
  public Optional<BsonDocument> collectionOptions(String namespace) {
    byte[] options = file.catalog().get(namespace);
    return options == null ? Optional.empty() : Optional.of(decode(options));
  }

  @Override
  public void createCollection(String namespace, BsonDocument options) {
    file.catalog().put(namespace, encode(options));
    file.documents(namespace); // its tree, made by the writer (see MapDbFile)
  }

  @Override
  public void dropCollection(String namespace) {
    if (file.catalog().remove(namespace) != null) {
      for (SecondaryIndex index : file.indexes(namespace)) {
        file.removeIndex(namespace, index.spec().name());
      }
      file.documents(namespace).clear();
    }
  }

  @Override
  public Optional<BsonDocument> find(String namespace, BsonValue id) {
    if (!collectionExists(namespace)) {
      return Optional.empty();
    }
    byte[] bytes = file.documents(namespace).get(DocumentKeys.key(id));
    return bytes == null ? Optional.empty() : Optional.of(decode(bytes));
  }

  @Override
  public void put(String namespace, BsonDocument document) {
    requireCollection(namespace);
    write(namespace, DocumentKeys.key(document.get("_id")), document, file.indexes(namespace));
  }

  @Override
  public boolean insert(String namespace, BsonDocument document) {
    requireCollection(namespace);
    byte[] key = DocumentKeys.key(document.get("_id"));
    DocumentRecords documents = file.documents(namespace);
    List<SecondaryIndex> indexes = file.indexes(namespace);
    if (indexes.isEmpty()) {
      return documents.putIfAbsent(key, encode(document));
    }
    // The _id is checked before the unique indexes, as an insert always did.
    if (documents.containsKey(key)) {
      return false;
    }
    write(namespace, key, document, indexes);
    return true;
  }

  private void requireCollection(String namespace) {
    if (!collectionExists(namespace)) {
      throw new IllegalStateException("collection " + namespace + " does not exist");
    }
  }

  private void write(String namespace, byte[] key, BsonDocument document, List<SecondaryIndex> indexes) {
    // Every check comes before the first change, so a refused document leaves the store as it was.
    List<SortedMap<byte[], BsonDocument>> newKeys = new ArrayList<>(indexes.size());
    for (SecondaryIndex index : indexes) {
      SortedMap<byte[], BsonDocument> keys = index.keysOf(document);
      index.checkUnique(keys, key);
      newKeys.add(keys);
    }
    byte[] old = file.documents(namespace).put(key, encode(document));
    for (int i = 0; i < indexes.size(); i++) {
      SecondaryIndex index = indexes.get(i);
      index.update(old == null ? EMPTY_KEYS : index.keysOf(decode(old)), newKeys.get(i), key);
    }
  }

  @Override
  public boolean remove(String namespace, BsonValue id) {
    if (!collectionExists(namespace)) {
      return false;
    }
    byte[] key = DocumentKeys.key(id);
    byte[] old = file.documents(namespace).remove(key);
    if (old != null) {
      for (SecondaryIndex index : file.indexes(namespace)) {
        index.update(index.keysOf(decode(old)), EMPTY_KEYS, key);
      }
    }
    return old != null;
  }

  @Override
  public Iterator<BsonDocument> scan(String namespace) {
    if (!collectionExists(namespace)) {
      return Collections.emptyIterator();
    }
    return Iterators.transform(file.documents(namespace).documents(), MapDbDocumentStore::decode);
  }

  @Override
  public long count(String namespace) {
    return collectionExists(namespace) ? file.documents(namespace).size() : 0;
  }

  @Override
  public List<IndexSpec> indexes(String namespace) {
    if (!collectionExists(namespace)) {
      return List.of();
    }
    return file.indexes(namespace).stream().map(SecondaryIndex::spec).toList();
  }

  @Override
  public void createIndex(String namespace, IndexSpec spec) {
    if (!collectionExists(namespace)) {
      throw new IllegalStateException("collection " + namespace + " does not exist");
    }
    SecondaryIndex index = file.addIndex(namespace, spec);
    try {
      file.documents(namespace).forEach((key, bytes) -> {
        SortedMap<byte[], BsonDocument> keys = index.keysOf(decode(bytes));
        index.checkUnique(keys, key);
        index.update(EMPTY_KEYS, keys, key);
      });
    } catch (RuntimeException e) {
      file.removeIndex(namespace, spec.name());
      throw e;
    }
  }

  @Override
  public void dropIndex(String namespace, String name) {
    file.removeIndex(namespace, name);
  }

  @Override
  public Iterator<BsonDocument> scanIndex(String namespace, String name, List<KeyRanges.Range> ranges) {
    DocumentRecords documents = file.documents(namespace);
    Iterator<byte[]> keys = index(namespace, name).documentKeys(ranges);
    return Iterators.transform(keys, key -> decode(documents.get(key)));
  }

  @Override
  public boolean isMultikey(String namespace, String indexName) {
    return index(namespace, indexName).isMultikey();
  }

  private SecondaryIndex index(String namespace, String name) {
    return file.indexes(namespace).stream().filter(i -> i.spec().name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no index " + name + " on " + namespace));
  }

  @Override
  public ChangeHistory history() {
    return file.history();
  }

  @Override
  public SessionTable sessions() {
    return file.sessions();
  }

  @Override
  public AppliedState appliedState() {
    return applied;
  }

  @Override
  public void setApplied(AppliedState state) {
    file.writeApplied(state);
    applied = state;
    if (maintenance != null) {
      maintenance.afterApply();
    }
  }

  @Override
  public StoreUsage usage() {
    MapDbFile current = file;
    return maintenance == null ? new StoreUsage(current.fileBytes(), current.freeBytes(), 0, 0)
        : new StoreUsage(current.fileBytes(), current.freeBytes(), maintenance.compactions(), maintenance.renewals());
  }

  /** True while trees are renewed or the file compacted, in the background ({@link StoreMaintenance}). */
  public boolean isMaintaining() {
    return maintenance != null && maintenance.isRunning();
  }

  @Override
  public Checkpoint checkpoint(Path target) {
    requireFile("checkpoint");
    lock.readLock().lock();
    try {
      file.flush();
      return file.startCheckpoint(target);
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public void restore(Path checkpoint) {
    requireFile("restore");
    lock.writeLock().lock();
    try {
      file.close();
      copy(checkpoint, directory.resolve(STORE_FILE));
      file = MapDbFile.open(directory.resolve(STORE_FILE));
      applied = file.readApplied();
      if (maintenance != null) {
        maintenance.restored();
      }
    } finally {
      lock.writeLock().unlock();
    }
    LOG.info("store restored from {}: now at {}", checkpoint, applied.position());
  }

  @Override
  public String digest() {
    MessageDigest sha = sha256();
    lock.readLock().lock();
    try {
      file.catalog().forEach((ns, options) -> {
        sha.update(ns.getBytes(StandardCharsets.UTF_8));
        sha.update(options);
        file.documents(ns).forEach((key, doc) -> {
          sha.update(key);
          sha.update(doc);
        });
        for (SecondaryIndex index : file.indexes(ns)) {
          sha.update(encode(index.spec().toBson()));
          sha.update((byte) (index.isMultikey() ? 1 : 0));
          index.entries().forEach((entry, docKey) -> sha.update(entry));
        }
      });
      file.sessions().digest(sha);
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
  public boolean isOpen() {
    return !file.isClosed();
  }

  /** Closes the file cleanly and removes the open marker: the next {@link #open} trusts the file. */
  @Override
  public void close() {
    if (maintenance != null) {
      maintenance.close();
    }
    lock.writeLock().lock();
    try {
      if (file.isClosed()) {
        return;
      }
      file.close();
      if (directory != null) {
        // MapDB does not sync (see MapDbFile): the file must be on disk before the marker says it is whole.
        force(directory.resolve(STORE_FILE));
        Files.deleteIfExists(directory.resolve(OPEN_MARKER));
        syncDirectory(directory);
      }
    } catch (IOException e) {
      LOG.warn("removing the open marker of {} failed; the next start rebuilds the store from its snapshot", directory, e);
    } finally {
      lock.writeLock().unlock();
    }
  }

  private void requireFile(String what) {
    if (directory == null) {
      throw new UnsupportedOperationException("an in-memory store cannot " + what);
    }
  }

  /** Copies {@code from} to {@code to} (inside the kernel) and forces the copy to disk. */
  private static void copy(Path from, Path to) {
    try (FileChannel in = FileChannel.open(from, StandardOpenOption.READ);
         FileChannel out = FileChannel.open(to, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      long size = in.size();
      for (long done = 0; done < size; ) {
        done += in.transferTo(done, size - done, out);
      }
      out.force(true);
    } catch (IOException e) {
      throw new UncheckedIOException("copying " + from + " to " + to + " failed", e);
    }
  }

  private static boolean hasWriteAheadLog(Path directory) throws IOException {
    try (var files = Files.list(directory)) {
      return files.anyMatch(f -> f.getFileName().toString().startsWith(STORE_FILE + ".wal"));
    }
  }

  private static void deleteStoreFiles(Path directory) throws IOException {
    try (var files = Files.list(directory)) {
      for (Path f : files.filter(f -> f.getFileName().toString().startsWith(STORE_FILE)).toList()) {
        Files.delete(f);
      }
    }
  }

  private static void force(Path file) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      channel.force(true);
    }
  }

  static void syncDirectory(Path directory) throws IOException {
    try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
      dir.force(true);
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
