package io.sluice.statemachine.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import java.util.concurrent.locks.ReentrantLock;
import org.mapdb.volume.Volume;

/**
 * A copy of a volume's bytes as they were when it began, written to a file chunk by chunk while the
 * volume changes. {@link #finish} copies the chunks in order; a writer about to change a chunk not
 * yet copied first writes that chunk's old bytes to the file ({@link #beforeChange}). Each chunk is
 * written once, by whichever comes first, under one lock; the writer never waits for more than one
 * chunk's copy, and nothing is held in memory.
 */
final class VolumeCopy implements Checkpoint {
  static final int CHUNK = 1 << 16;
  /** Dirty bytes of the copy allowed in the page cache: forcing often keeps the disk's queue short. */
  private static final int CHUNKS_PER_FORCE = 256;

  private final Volume live;
  private final Path target;
  private final FileChannel file;
  private final long length;
  private final int chunks;
  private final ReentrantLock lock = new ReentrantLock();
  /** Chunks already in the file; only ever set, under the lock. */
  private final BitSet copied;
  private final Runnable onClose;
  private String endedBecause;
  private IOException writerFailure;

  VolumeCopy(Volume live, Path target, Runnable onClose) {
    this.live = live;
    this.target = target;
    this.onClose = onClose;
    this.length = live.length();
    this.chunks = Math.toIntExact((length + CHUNK - 1) / CHUNK);
    this.copied = new BitSet(chunks);
    try {
      this.file = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ,
          StandardOpenOption.TRUNCATE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the checkpoint file " + target, e);
    }
  }

  /**
   * The volume's writer is about to change {@code [offset, offset + size)}: the chunks there not yet
   * copied are copied now. A failure is kept for {@link #finish} to report; the writer goes on.
   */
  void beforeChange(long offset, long size) {
    if (offset >= length || size <= 0) {
      return;
    }
    int first = chunkOf(offset);
    int last = chunkOf(Math.min(length, offset + size) - 1);
    lock.lock();
    try {
      if (endedBecause != null) {
        return;
      }
      for (int chunk = copied.nextClearBit(first); chunk <= last; chunk = copied.nextClearBit(chunk + 1)) {
        writeFully(readLive(chunk), chunk);
        copied.set(chunk);
      }
    } catch (IOException e) {
      writerFailure = e;
      endedBecause = "writing a chunk of it failed: " + e.getMessage();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void finish(ChunkObserver afterEachChunk) throws IOException {
    for (int chunk = 0; chunk < chunks; chunk++) {
      ByteBuffer bytes = nextChunk(chunk);
      if (bytes == null) {
        // The writer copied it first: it is in the file already.
        bytes = readCopied(chunk);
      } else {
        writeFully(bytes.duplicate(), chunk);
      }
      afterEachChunk.written(bytes);
      if ((chunk + 1) % CHUNKS_PER_FORCE == 0) {
        file.force(false);
      }
    }
    file.force(true);
  }

  /** The chunk read from the volume, or null if it was copied before. */
  private ByteBuffer nextChunk(int chunk) throws IOException {
    lock.lock();
    try {
      if (endedBecause != null) {
        throw new IOException("the copy to " + target + " stopped before it was complete: " + endedBecause, writerFailure);
      }
      if (copied.get(chunk)) {
        return null;
      }
      copied.set(chunk);
      return readLive(chunk);
    } finally {
      lock.unlock();
    }
  }

  /** Ends the copy for a reason {@link #finish} reports, if it has not ended already; waits for a chunk being copied. */
  void end(String because) {
    lock.lock();
    try {
      if (endedBecause == null) {
        endedBecause = because;
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    end("it was closed");
    onClose.run();
    try {
      file.close();
    } catch (IOException e) {
      throw new UncheckedIOException("closing " + target + " failed", e);
    }
  }

  private void writeFully(ByteBuffer bytes, int chunk) throws IOException {
    for (long at = position(chunk); bytes.hasRemaining(); ) {
      at += file.write(bytes, at);
    }
  }

  private ByteBuffer readCopied(int chunk) throws IOException {
    ByteBuffer bytes = ByteBuffer.allocate(sizeOf(chunk));
    for (long at = position(chunk); bytes.hasRemaining(); ) {
      int read = file.read(bytes, at);
      if (read < 0) {
        throw new IOException(target + " ends before chunk " + chunk + ", which was copied to it");
      }
      at += read;
    }
    return bytes.flip();
  }

  /** A chunk of the volume; chunks are aligned within MapDB's slices (1 MiB), so one read each. */
  private ByteBuffer readLive(int chunk) {
    byte[] bytes = new byte[sizeOf(chunk)];
    live.getData(position(chunk), bytes, 0, bytes.length);
    return ByteBuffer.wrap(bytes);
  }

  private int sizeOf(int chunk) {
    return (int) Math.min(CHUNK, length - position(chunk));
  }

  private static long position(int chunk) {
    return (long) chunk * CHUNK;
  }

  private static int chunkOf(long offset) {
    return Math.toIntExact(offset / CHUNK);
  }
}
