package io.sluice.statemachine.storage;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A copy of the whole store as it was when {@link DocumentStore#checkpoint} began, being written to
 * its file while the store goes on changing. Closing it ends the copy: the store stops preserving
 * the old content for it.
 */
public interface Checkpoint extends AutoCloseable {

  /**
   * Writes the rest of the copy and forces it to disk. Each chunk is handed to {@code afterEachChunk}
   * in file order once it is in the file; the observer may throw to stop (the file is then partial).
   *
   * @throws IOException if writing failed, or the store was closed or the copy ended before it was complete
   */
  void finish(ChunkObserver afterEachChunk) throws IOException;

  /** Ends the copy; the file stays as it is (complete only if {@link #finish} returned). */
  @Override
  void close();

  /** Sees each chunk of a checkpoint's file, in order: to hash it, pace the copy, or stop it. The buffer is reused after the call. */
  @FunctionalInterface
  interface ChunkObserver {
    void written(ByteBuffer chunk) throws IOException;
  }
}
