package io.sluice.statemachine.storage;

import java.io.File;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.mapdb.DataInput2;
import org.mapdb.volume.Volume;

/**
 * MapDB's volume (the store's memory-mapped file) with copy-on-write checkpoints: while a
 * {@link VolumeCopy} is under way, every write first lets it save the bytes about to change. So a
 * checkpoint costs the store's writer nothing but those saves, instead of stopping it for a copy
 * of the whole file.
 *
 * <p>Every method delegates to the wrapped volume; those that write call {@link #beforeChange}
 * first. One copy at a time.
 */
final class CopyOnWriteVolume extends Volume {
  /** The most bytes a packed long takes. */
  private static final int PACKED_LONG_MAX = 10;

  private final Volume volume;
  private volatile VolumeCopy copy;

  CopyOnWriteVolume(Volume volume) {
    this.volume = volume;
  }

  /** Starts a copy of the volume as it is now, into {@code target}. */
  synchronized Checkpoint startCopy(Path target) {
    if (copy != null) {
      throw new IllegalStateException("a checkpoint of " + volume.getFile() + " is already being written");
    }
    VolumeCopy started = new VolumeCopy(volume, target, this::copyClosed);
    copy = started;
    return started;
  }

  private synchronized void copyClosed() {
    copy = null;
    notifyAll();
  }

  boolean copying() {
    return copy != null;
  }

  /** Waits until no copy is under way, or {@code millis} have passed. */
  synchronized void awaitNoCopy(long millis) throws InterruptedException {
    if (copy != null) {
      wait(millis);
    }
  }

  private void beforeChange(long offset, long size) {
    VolumeCopy running = copy;
    if (running != null) {
      running.beforeChange(offset, size);
    }
  }

  @Override
  public void close() {
    VolumeCopy running = copy;
    if (running != null) {
      running.end("the store was closed");
    }
    closed.set(true);
    volume.close();
  }

  @Override
  public boolean isClosed() {
    return volume.isClosed();
  }

  // Writes.

  @Override
  public void truncate(long size) {
    beforeChange(size, Long.MAX_VALUE - size);
    volume.truncate(size);
  }

  @Override
  public void putLong(long offset, long value) {
    beforeChange(offset, Long.BYTES);
    volume.putLong(offset, value);
  }

  @Override
  public void putInt(long offset, int value) {
    beforeChange(offset, Integer.BYTES);
    volume.putInt(offset, value);
  }

  @Override
  public void putByte(long offset, byte value) {
    beforeChange(offset, 1);
    volume.putByte(offset, value);
  }

  @Override
  public void putData(long offset, byte[] src, int srcPos, int srcSize) {
    beforeChange(offset, srcSize);
    volume.putData(offset, src, srcPos, srcSize);
  }

  @Override
  public void putData(long offset, ByteBuffer buf) {
    beforeChange(offset, buf.remaining());
    volume.putData(offset, buf);
  }

  @Override
  public void putDataOverlap(long offset, byte[] src, int srcPos, int srcSize) {
    beforeChange(offset, srcSize);
    volume.putDataOverlap(offset, src, srcPos, srcSize);
  }

  @Override
  public void putUnsignedShort(long offset, int value) {
    beforeChange(offset, 2);
    volume.putUnsignedShort(offset, value);
  }

  @Override
  public void putUnsignedByte(long offset, int b) {
    beforeChange(offset, 1);
    volume.putUnsignedByte(offset, b);
  }

  @Override
  public void putSixLong(long offset, long value) {
    beforeChange(offset, 6);
    volume.putSixLong(offset, value);
  }

  @Override
  public int putPackedLong(long offset, long value) {
    beforeChange(offset, PACKED_LONG_MAX);
    return volume.putPackedLong(offset, value);
  }

  @Override
  public void clear(long startOffset, long endOffset) {
    beforeChange(startOffset, endOffset - startOffset);
    volume.clear(startOffset, endOffset);
  }

  @Override
  public void clearOverlap(long startOffset, long endOffset) {
    beforeChange(startOffset, endOffset - startOffset);
    volume.clearOverlap(startOffset, endOffset);
  }

  @Override
  public void copyFrom(InputStream input) {
    beforeChange(0, Long.MAX_VALUE);
    volume.copyFrom(input);
  }

  @Override
  public void deleteFile() {
    close();
    volume.deleteFile();
  }

  // Everything else only reads.

  @Override
  public void ensureAvailable(long offset) {
    volume.ensureAvailable(offset);
  }

  @Override
  public boolean fileLoad() {
    return volume.fileLoad();
  }

  @Override
  public void assertZeroes(long startOffset, long endOffset) {
    volume.assertZeroes(startOffset, endOffset);
  }

  @Override
  public long getLong(long offset) {
    return volume.getLong(offset);
  }

  @Override
  public int getInt(long offset) {
    return volume.getInt(offset);
  }

  @Override
  public byte getByte(long offset) {
    return volume.getByte(offset);
  }

  @Override
  public DataInput2 getDataInput(long offset, int size) {
    DataInput2 in = volume.getDataInput(offset, size);
    return in instanceof DataInput2.ByteBuffer slice ? new SliceInput(slice.buf, slice.pos) : in;
  }

  @Override
  public DataInput2 getDataInputOverlap(long offset, int size) {
    return volume.getDataInputOverlap(offset, size);
  }

  @Override
  public void getData(long offset, byte[] bytes, int bytesPos, int size) {
    volume.getData(offset, bytes, bytesPos, size);
  }

  @Override
  public int getUnsignedShort(long offset) {
    return volume.getUnsignedShort(offset);
  }

  @Override
  public int getUnsignedByte(long offset) {
    return volume.getUnsignedByte(offset);
  }

  @Override
  public long getSixLong(long pos) {
    return volume.getSixLong(pos);
  }

  @Override
  public long getPackedLong(long position) {
    return volume.getPackedLong(position);
  }

  @Override
  public void copyTo(long inputOffset, Volume target, long targetOffset, long size) {
    volume.copyTo(inputOffset, target, targetOffset, size);
  }

  @Override
  public void copyTo(Volume to) {
    volume.copyTo(to);
  }

  @Override
  public void copyTo(OutputStream output) {
    volume.copyTo(output);
  }

  @Override
  public long hash(long off, long len, long seed) {
    return volume.hash(off, len, seed);
  }

  /** MapDB's syncs are not wanted (see {@link MapDbFile#open}): the store forces the file itself when it closes it. */
  @Override
  public void sync() {
  }

  @Override
  public int sliceSize() {
    return volume.sliceSize();
  }

  @Override
  public boolean isSliced() {
    return volume.isSliced();
  }

  @Override
  public long length() {
    return volume.length();
  }

  @Override
  public boolean isReadOnly() {
    return volume.isReadOnly();
  }

  @Override
  public File getFile() {
    return volume.getFile();
  }

  @Override
  public boolean getFileLocked() {
    return volume.getFileLocked();
  }
}
