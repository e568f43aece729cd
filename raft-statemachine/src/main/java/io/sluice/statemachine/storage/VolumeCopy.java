package io.sluice.statemachine.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.ReentrantLock;
import org.mapdb.volume.Volume;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A copy of a volume's bytes as they were when it began, written to a file while the volume changes.
 * {@link #finish} copies the volume in order, a chunk at a time; a writer about to change a page not
 * yet copied first writes that page's old bytes to the file ({@link #beforeChange}). Each page is
 * read from the volume once, by whichever comes first, under one lock; the writer never waits for
 * more than one chunk's read, its own saves are a page each, and nothing is held in memory. A write
 * to pages already copied takes no lock: a page once copied stays copied, and the store's writer
 * changes the same few pages over and over.
 */
final class VolumeCopy implements Checkpoint {
  private static final Logger LOG = LoggerFactory.getLogger(VolumeCopy.class);
  /** What a writer saves before its change: small, so that a write costs little. */
  static final int PAGE = 4096;
  /** What {@link #finish} copies at a time; within one of MapDB's 1 MiB slices. */
  static final int CHUNK = 16 * PAGE;
  /** Dirty bytes of the copy allowed in the page cache: forcing often keeps the disk's queue short. */
  private static final int CHUNKS_PER_FORCE = 256;

  private final Volume live;
  private final Path target;
  private final FileChannel file;
  private final long length;
  private final ReentrantLock lock = new ReentrantLock();
  /** Pages already read from the volume, a bit each; only ever set, under the lock; read without it. */
  private final AtomicLongArray copied;
  private final Runnable onClose;
  private long pagesSavedByWrites;
  private String endedBecause;
  private IOException writerFailure;

  VolumeCopy(Volume live, Path target, Runnable onClose) {
    this.live = live;
    this.target = target;
    this.onClose = onClose;
    this.length = live.length();
    this.copied = new AtomicLongArray(Math.toIntExact((pages(length) + 63) / 64));
    try {
      this.file = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ,
          StandardOpenOption.TRUNCATE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the checkpoint file " + target, e);
    }
  }

  /**
   * The volume's writer is about to change {@code [offset, offset + size)}: the pages there not yet
   * copied are written to the file now. A failure is kept for {@link #finish} to report; the writer
   * goes on.
   */
  void beforeChange(long offset, long size) {
    if (offset >= length || size <= 0) {
      return;
    }
    int first = Math.toIntExact(offset / PAGE);
    int last = Math.toIntExact((Math.min(length, offset + size) - 1) / PAGE);
    if (allCopied(first, last)) {
      return;
    }
    lock.lock();
    try {
      if (endedBecause != null) {
        return;
      }
      for (int page = first; page <= last; page++) {
        if (!isCopied(page)) {
          ByteBuffer bytes = ByteBuffer.allocate(bytesAt((long) page * PAGE, PAGE));
          readLive((long) page * PAGE, bytes);
          writeFully(bytes.flip(), (long) page * PAGE);
          markCopied(page);
          pagesSavedByWrites++;
        }
      }
    } catch (IOException e) {
      writerFailure = e;
      endedBecause = "writing a page of it failed: " + e.getMessage();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void finish(ChunkObserver afterEachChunk) throws IOException {
    long chunks = (length + CHUNK - 1) / CHUNK;
    // One buffer for all chunks: allocating (and zeroing) 64 KiB per chunk took half the copy's CPU time.
    byte[] buffer = new byte[CHUNK];
    for (long chunk = 0; chunk < chunks; chunk++) {
      long position = chunk * CHUNK;
      ByteBuffer bytes = ByteBuffer.wrap(buffer, 0, bytesAt(position, CHUNK)).slice();
      BitSet savedByWrites = readUncopied(position, bytes);
      for (int page = savedByWrites.nextSetBit(0); page >= 0; page = savedByWrites.nextSetBit(page + 1)) {
        readSaved(position + (long) page * PAGE, pageOf(bytes, page));
      }
      // Pages a writer saved are written again, unchanged: the chunk goes out in one write.
      writeFully(bytes.clear(), position);
      afterEachChunk.written(bytes.flip());
      if ((chunk + 1) % CHUNKS_PER_FORCE == 0) {
        file.force(false);
      }
    }
    file.force(true);
    LOG.info("checkpoint {}: {} MiB, {} pages of {} KiB saved first by writes", target.getFileName(), length >> 20, pagesSavedByWrites(),
        PAGE >> 10);
  }

  /** Reads the chunk's pages not yet copied from the volume into {@code chunk}; returns those a writer saved (page numbers in the chunk). */
  private BitSet readUncopied(long position, ByteBuffer chunk) throws IOException {
    BitSet savedByWrites = new BitSet();
    lock.lock();
    try {
      if (endedBecause != null) {
        throw new IOException("the copy to " + target + " stopped before it was complete: " + endedBecause, writerFailure);
      }
      int firstPage = Math.toIntExact(position / PAGE);
      for (int page = 0; page * PAGE < chunk.capacity(); page++) {
        if (isCopied(firstPage + page)) {
          savedByWrites.set(page);
        } else {
          readLive(position + (long) page * PAGE, pageOf(chunk, page));
          markCopied(firstPage + page);
        }
      }
    } finally {
      lock.unlock();
    }
    return savedByWrites;
  }

  private long pagesSavedByWrites() {
    lock.lock();
    try {
      return pagesSavedByWrites;
    } finally {
      lock.unlock();
    }
  }

  /** Ends the copy for a reason {@link #finish} reports, if it has not ended already; waits for a chunk being read. */
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

  private boolean isCopied(int page) {
    return (copied.get(page >>> 6) & (1L << page)) != 0;
  }

  private boolean allCopied(int first, int last) {
    for (int page = first; page <= last; page++) {
      if (!isCopied(page)) {
        return false;
      }
    }
    return true;
  }

  /** Under the lock: the only writer of the bits. */
  private void markCopied(int page) {
    copied.set(page >>> 6, copied.get(page >>> 6) | (1L << page));
  }

  /** The chunk's buffer set to its {@code page}-th page. */
  private static ByteBuffer pageOf(ByteBuffer chunk, int page) {
    return chunk.clear().position(page * PAGE).limit(Math.min(chunk.capacity(), (page + 1) * PAGE));
  }

  /** Fills {@code into} (from its position to its limit) with the volume's bytes at {@code position}. */
  private void readLive(long position, ByteBuffer into) {
    live.getData(position, into.array(), into.position(), into.remaining());
    into.position(into.limit());
  }

  /** Fills {@code into} (from its position to its limit) with the file's bytes at {@code position}, which a writer saved. */
  private void readSaved(long position, ByteBuffer into) throws IOException {
    for (long at = position; into.hasRemaining(); ) {
      int read = file.read(into, at);
      if (read < 0) {
        throw new IOException(target + " ends before " + at + ", where a page was saved");
      }
      at += read;
    }
  }

  private void writeFully(ByteBuffer bytes, long position) throws IOException {
    for (long at = position; bytes.hasRemaining(); ) {
      at += file.write(bytes, at);
    }
  }

  private int bytesAt(long position, int most) {
    return (int) Math.min(most, length - position);
  }

  private static long pages(long bytes) {
    return (bytes + PAGE - 1) / PAGE;
  }
}
