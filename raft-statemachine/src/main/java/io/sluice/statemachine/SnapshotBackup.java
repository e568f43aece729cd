package io.sluice.statemachine;

import io.sluice.statemachine.storage.MapDbDocumentStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A snapshot file copied out of a node as a backup ({@code snapshot.<term>_<index>} with its
 * {@code .crc32c}, or the {@code .md5} of one the node installed from its leader), opened as a store
 * of its own so that its collections, indexes and documents can be read back.
 */
public final class SnapshotBackup {
  private SnapshotBackup() {}

  /**
   * Checks the backup against its checksum file, then opens a copy of it in {@code workDirectory}
   * (the backup itself is never written to). The caller closes the store.
   *
   * @throws IllegalArgumentException naming the file and what is wrong with it
   */
  public static MapDbDocumentStore open(Path snapshot, Path workDirectory) {
    if (!Files.isRegularFile(snapshot) || !Files.isReadable(snapshot)) {
      throw new IllegalArgumentException("backup " + snapshot + " is not a readable file");
    }
    try {
      StoreSnapshots.verify(snapshot);
    } catch (IOException e) {
      throw new IllegalArgumentException("backup " + snapshot + " cannot be used: " + e.getMessage()
          + " (copy the snapshot file together with its " + SnapshotChecksum.SUFFIX + " file)", e);
    }
    MapDbDocumentStore store = MapDbDocumentStore.open(workDirectory);
    try {
      store.restore(snapshot);
    } catch (org.mapdb.DBException | org.bson.BSONException e) {
      store.close();
      throw new IllegalArgumentException("backup " + snapshot + " is not a Sluice snapshot: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    if (store.appliedState().position().index() <= 0) {
      store.close();
      // A MapDB file of something else opens as an empty store: a snapshot always holds a position.
      throw new IllegalArgumentException("backup " + snapshot + " is not a Sluice snapshot: it holds no applied log position");
    }
    return store;
  }
}
