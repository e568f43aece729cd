package io.sluice.statemachine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * The CRC-32C of a snapshot this node wrote, kept beside it in {@code <snapshot>.crc32c} as eight hex
 * digits, and checked before the snapshot is loaded. Not MD5, which Ratis uses for the snapshots it
 * installs: computed as a snapshot is written, MD5 took most of the writer's CPU, which writes lose
 * on a busy machine; CRC-32C runs in hardware and detects the damage it is here for (bit rot, a
 * torn or truncated file) as well. Ratis computes the MD5 itself when it sends such a snapshot.
 */
final class SnapshotChecksum {
  static final String SUFFIX = ".crc32c";

  private SnapshotChecksum() {}

  static Path fileFor(Path snapshot) {
    return snapshot.resolveSibling(snapshot.getFileName() + SUFFIX);
  }

  /** Writes the checksum file of {@code snapshot} and forces it to disk. */
  static void save(Path snapshot, CRC32C checksum) throws IOException {
    byte[] text = String.format("%08x%n", checksum.getValue()).getBytes(StandardCharsets.US_ASCII);
    try (FileChannel file = FileChannel.open(fileFor(snapshot), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      for (ByteBuffer bytes = ByteBuffer.wrap(text); bytes.hasRemaining(); ) {
        file.write(bytes);
      }
      file.force(true);
    }
  }

  /** Throws if {@code snapshot}'s content does not match its checksum file, naming what is wrong. */
  static void verify(Path snapshot) throws IOException {
    String saved = Files.readString(fileFor(snapshot), StandardCharsets.US_ASCII).trim();
    if (!saved.matches("[0-9a-f]{8}")) {
      throw new IOException("its checksum file " + fileFor(snapshot).getFileName() + " holds '" + saved
          + "', not eight hex digits");
    }
    long expected = Long.parseLong(saved, 16);
    long actual = of(snapshot);
    if (actual != expected) {
      throw new IOException(String.format("its CRC-32C is %08x, its checksum file says %08x", actual, expected));
    }
  }

  static long of(Path file) throws IOException {
    CRC32C checksum = new CRC32C();
    ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
      while (in.read(buffer.clear()) >= 0) {
        checksum.update(buffer.flip());
      }
    }
    return checksum.getValue();
  }
}
