package io.sluice.statemachine.storage;

import java.util.Iterator;
import java.util.Optional;
import java.util.SortedMap;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * The node's durable state: collections of documents keyed by {@code _id}, the catalog of
 * collections, and the applied position.
 *
 * <p>Threading: one writer (the apply thread) and any number of readers. Changes made by the writer
 * are visible at once and become durable together, with the applied position, at {@link #commit}; a
 * crash before that leaves the store at the previous commit, from which Raft replays the log. Readers that must not see a half-applied entry hold the store's
 * read lock ({@link #readLock()}), which the writer's entry-sized updates exclude.
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

  /** Removes the collection and all its documents; no-op if it does not exist. */
  void dropCollection(String namespace);

  Optional<BsonDocument> find(String namespace, BsonValue id);

  /** Inserts or replaces the document with the same {@code _id}; the collection must exist. */
  void put(String namespace, BsonDocument document);

  /** Removes the document with this {@code _id}; returns whether one was there. */
  boolean remove(String namespace, BsonValue id);

  /** All documents of the collection in key order; empty if the collection does not exist. */
  Iterator<BsonDocument> scan(String namespace);

  long count(String namespace);

  /** The change events of recent entries, committed with the data by {@link #commit}. */
  ChangeHistory history();

  /** The position of the last entry applied, committed or not. */
  AppliedState appliedState();

  /** The position the store would restart from: the last committed one. */
  AppliedState durableState();

  /** Records that the changes so far are those of the entry at {@code state}; {@link #commit} makes it durable. */
  void setApplied(AppliedState state);

  /** Makes every change since the last commit durable, atomically with the applied position. */
  void commit();

  /** Records {@code state} and commits. */
  default void commit(AppliedState state) {
    setApplied(state);
    commit();
  }

  /** True if changes were made since the last commit. */
  boolean hasUncommittedChanges();

  /** Drops every change since the last commit. */
  void rollback();

  /** A hex SHA-256 over every collection's options and documents and the applied position. */
  String digest();

  /** Held by readers for the length of a query; apply takes the write side per log entry. */
  java.util.concurrent.locks.Lock readLock();

  /** Held by the apply thread while it applies one entry. */
  java.util.concurrent.locks.Lock writeLock();

  @Override
  void close();
}
