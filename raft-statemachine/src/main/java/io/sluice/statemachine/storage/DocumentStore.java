package io.sluice.statemachine.storage;

import io.sluice.statemachine.engine.KeyRanges;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * The node's durable state: collections of documents keyed by {@code _id}, the catalog of
 * collections, and the applied position.
 *
 * <p>Threading: one writer (the apply thread) and any number of readers. Changes made by the writer
 * are visible at once. Readers hold the store's read lock ({@link #readLock()}), which the writer's
 * entry-sized updates exclude: so they never see a half-applied entry, and a document's storage is
 * never reused under them (a reader of documents without it could read another document's bytes).
 *
 * <p>Durability: a store closed cleanly reopens at its applied position; one cut off by a crash is
 * rebuilt from its latest {@link #checkpoint} and the Raft log after it.
 *
 * <p>Iteration orders are deterministic (collections by name, documents by key), so every replica
 * enumerates the same state the same way.
 */
public interface DocumentStore extends AutoCloseable {

  /** Collections by namespace ({@code db.coll}), with the options they were created with. */
  SortedMap<String, BsonDocument> collections();

  boolean collectionExists(String namespace);

  /** The options the collection was created (or last modified) with, if it exists. */
  Optional<BsonDocument> collectionOptions(String namespace);

  /** Creates the collection, or replaces the options of an existing one. */
  void createCollection(String namespace, BsonDocument options);

  /** Removes the collection, all its documents and its indexes; no-op if it does not exist. */
  void dropCollection(String namespace);

  Optional<BsonDocument> find(String namespace, BsonValue id);

  /**
   * Inserts or replaces the document with the same {@code _id}, and its entries in the collection's
   * indexes; the collection must exist. Throws (and changes nothing) if a unique index already holds
   * one of the document's keys for another document (DuplicateKey), or if the document cannot be
   * indexed (CannotIndexParallelArrays, KeyTooLong).
   */
  void put(String namespace, BsonDocument document);

  /**
   * {@link #put} if no document has the same {@code _id}; returns false, changing nothing, if one
   * does (checked before the unique indexes). In a collection without secondary indexes this is one
   * lookup where {@link #find} and then {@link #put} take two.
   */
  boolean insert(String namespace, BsonDocument document);

  /** Removes the document with this {@code _id}, and its index entries; returns whether one was there. */
  boolean remove(String namespace, BsonValue id);

  /** All documents of the collection in key order; empty if the collection does not exist. */
  Iterator<BsonDocument> scan(String namespace);

  long count(String namespace);

  /** The secondary indexes of the collection, in name order ({@code _id} is not among them). */
  List<IndexSpec> indexes(String namespace);

  /**
   * Adds a secondary index to an existing collection and fills it from the documents there. If a
   * document cannot be indexed (a duplicate key in a unique index, parallel arrays, a key too long),
   * throws that error and leaves no trace of the index.
   */
  void createIndex(String namespace, IndexSpec spec);

  /** Removes the index and its entries; no-op if there is none of that name. */
  void dropIndex(String namespace, String name);

  /**
   * The documents whose key in the named index (on its leading field) lies in one of the ranges,
   * each once, in index order per range. A superset of what a filter on that field matches: the
   * caller still applies its filter.
   */
  Iterator<BsonDocument> scanIndex(String namespace, String name, List<KeyRanges.Range> ranges);

  /** True once a document reached the index through an array (then a range is scanned from one end). */
  boolean isMultikey(String namespace, String indexName);

  /** The change events of recent entries, stored with the data they describe. */
  ChangeHistory history();

  /** The replies of recently applied writes, so that a retried write is applied once. */
  SessionTable sessions();

  /** The position of the last entry applied. */
  AppliedState appliedState();

  /** Records that the changes so far are those of the entry at {@code state}. */
  void setApplied(AppliedState state);

  /**
   * Starts a consistent copy of the whole store as it is now, to be written to {@code target} by the
   * returned checkpoint while entries are applied again (copy-on-write: an entry applied meanwhile
   * first saves what it changes). The caller makes sure no entry is being applied when it starts
   * (Ratis takes snapshots on the apply thread), and closes the checkpoint.
   */
  Checkpoint checkpoint(java.nio.file.Path target);

  /** Replaces the whole store with a copy made by {@link #checkpoint}; readers wait meanwhile. */
  void restore(java.nio.file.Path checkpoint);

  /** A hex SHA-256 over every collection's options, documents and indexes, and the applied position. */
  String digest();

  /** The store's file and its maintenance (zeros in memory). */
  StoreUsage usage();

  /** Held by readers for the length of a query; apply takes the write side per log entry. */
  java.util.concurrent.locks.Lock readLock();

  /** Held by the apply thread while it applies one entry. */
  java.util.concurrent.locks.Lock writeLock();

  @Override
  void close();

  /** Whether the store can be read and written: false once closed (a node stopping, or a failed restore). */
  boolean isOpen();
}
