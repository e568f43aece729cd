package io.sluice.statemachine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.util.MD5FileUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreSnapshotsTest {
  @TempDir
  Path dir;

  @Test
  void theMd5OfASmallFileIsRatisOwn() throws Exception {
    Path file = dir.resolve("small");
    Files.write(file, "a snapshot is a copy of the store".repeat(100_000).getBytes());
    assertThat(StoreSnapshots.md5Of(file)).isEqualTo(MD5FileUtil.computeMd5ForFile(file.toFile()));
  }

  /** Ratis 3.3.0's own MD5 of a file throws past 2 GiB; a store, hence a snapshot, may be larger. */
  @Test
  void theMd5OfAFileOver2GiBIsComputed() throws Exception {
    long size = (2L << 30) + 12_345;
    Path file = dir.resolve("large");
    try (RandomAccessFile sparse = new RandomAccessFile(file.toFile(), "rw")) {
      sparse.setLength(size);
    }
    MessageDigest expected = MD5FileUtil.newMD5();
    byte[] zeros = new byte[1 << 20];
    for (long left = size; left > 0; left -= zeros.length) {
      expected.update(zeros, 0, (int) Math.min(zeros.length, left));
    }
    assertThat(StoreSnapshots.md5Of(file)).isEqualTo(MD5Hash.newInstance(expected.digest()));
  }
}
