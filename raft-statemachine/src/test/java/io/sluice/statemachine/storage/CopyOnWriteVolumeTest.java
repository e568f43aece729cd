package io.sluice.statemachine.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mapdb.volume.ByteArrayVol;

/** A copy holds the volume's bytes as they were when it started, whatever is written meanwhile, and however. */
class CopyOnWriteVolumeTest {
  private static final int LENGTH = 5 * VolumeCopy.CHUNK + 1234;

  @TempDir
  Path dir;

  private CopyOnWriteVolume volume;
  private byte[] original;

  @BeforeEach
  void fill() {
    volume = new CopyOnWriteVolume(new ByteArrayVol());
    volume.ensureAvailable(LENGTH);
    original = new byte[(int) volume.length()];
    new Random(7).nextBytes(original);
    volume.putData(0, original, 0, original.length);
  }

  @AfterEach
  void close() {
    volume.close();
  }

  /** Every kind of write MapDB makes, each across a chunk boundary where it can be. */
  static List<Consumer<CopyOnWriteVolume>> writes() {
    long edge = VolumeCopy.CHUNK;
    List<Consumer<CopyOnWriteVolume>> writes = new ArrayList<>();
    writes.add(v -> v.putLong(edge - 3, -1L));
    writes.add(v -> v.putInt(edge - 2, -1));
    writes.add(v -> v.putByte(edge, (byte) 1));
    writes.add(v -> v.putData(edge - 10, new byte[3 * VolumeCopy.CHUNK], 0, 3 * VolumeCopy.CHUNK));
    writes.add(v -> v.putData(edge - 10, ByteBuffer.allocate(100)));
    writes.add(v -> v.putDataOverlap(edge - 10, new byte[100], 0, 100));
    writes.add(v -> v.putUnsignedShort(edge - 1, 0xffff));
    writes.add(v -> v.putUnsignedByte(edge, 0xff));
    writes.add(v -> v.putSixLong(edge - 3, 0xffff_ffff_ffffL));
    writes.add(v -> v.putPackedLong(edge - 4, Long.MAX_VALUE));
    writes.add(v -> v.clear(edge - 8, edge + 8));
    writes.add(v -> v.clearOverlap(edge - 8, 3 * edge));
    writes.add(v -> v.truncate(edge + 1));
    writes.add(v -> v.putLong(VolumeCopy.PAGE - 3, -1L));
    writes.add(v -> {
      // Some pages of every chunk saved by writes, some not.
      for (long at = 0; at < v.length(); at += 3 * VolumeCopy.PAGE) {
        v.putByte(at, (byte) 1);
      }
    });
    return writes;
  }

  @ParameterizedTest
  @MethodSource("writes")
  void aWriteBeforeTheCopyReachesItsChunksIsNotInTheCopy(Consumer<CopyOnWriteVolume> write) throws IOException {
    Path target = dir.resolve("copy");
    try (Checkpoint copy = volume.startCopy(target)) {
      write.accept(volume);
      copy.finish(chunk -> {});
    }
    assertThat(Files.readAllBytes(target)).isEqualTo(original);
  }

  @Test
  void writesBetweenChunksEverywhereAreNotInTheCopyAndTheObserverSeesTheCopyInOrder() throws IOException {
    Path target = dir.resolve("copy");
    ByteBuffer seen = ByteBuffer.allocate(original.length);
    try (Checkpoint copy = volume.startCopy(target)) {
      copy.finish(chunk -> {
        seen.put(chunk);
        for (long at = 0; at < volume.length() - 8; at += 4099) {
          volume.putLong(at, at);
        }
        volume.ensureAvailable(volume.length() + VolumeCopy.CHUNK);
      });
    }
    assertThat(Files.readAllBytes(target)).isEqualTo(original);
    assertThat(seen.array()).isEqualTo(original);
    assertThat(volume.getLong(4099)).isEqualTo(4099);
  }

  /** A writer on another thread, as fast as it can, while the copy reads the same pages: the copy never sees its writes, whichever reaches a page first. */
  @Test
  void aWriterRacingTheCopyIsNeverInIt() throws Exception {
    CopyOnWriteVolume large = new CopyOnWriteVolume(new ByteArrayVol());
    int length = 128 * VolumeCopy.CHUNK;
    large.ensureAvailable(length);
    byte[] before = new byte[length];
    new Random(11).nextBytes(before);
    for (int at = 0; at < length; at += VolumeCopy.CHUNK) {
      large.putData(at, before, at, VolumeCopy.CHUNK); // within one of the volume's slices
    }
    Path target = dir.resolve("raced");
    AtomicLong writes = new AtomicLong();
    AtomicBoolean copying = new AtomicBoolean(true);
    ExecutorService writer = Executors.newSingleThreadExecutor();
    try (Checkpoint copy = large.startCopy(target)) {
      Future<?> writing = writer.submit(() -> {
        Random random = new Random(13);
        while (copying.get()) {
          large.putLong((long) random.nextInt(length / Long.BYTES) * Long.BYTES, random.nextLong()); // within a slice
          writes.incrementAndGet();
        }
      });
      // Every eighth chunk waits for a few writes, so that the writer runs alongside the whole copy.
      long[] chunks = {0};
      copy.finish(chunk -> {
        if (++chunks[0] % 8 == 0) {
          long after = writes.get() + 50;
          await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1)).until(() -> writes.get() >= after || writing.isDone());
        }
      });
      copying.set(false);
      writing.get();
    } finally {
      copying.set(false);
      writer.shutdownNow();
      assertThat(writer.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
      large.close();
    }
    assertThat(writes.get()).isGreaterThan(16 * 50);
    assertThat(Files.readAllBytes(target)).isEqualTo(before);
  }

  @Test
  void writesAfterTheCopyEndedGoOnAsUsualAndANewCopyCanStart() throws IOException {
    try (Checkpoint copy = volume.startCopy(dir.resolve("first"))) {
      copy.finish(chunk -> {});
    }
    volume.putLong(0, 42);
    Path second = dir.resolve("second");
    try (Checkpoint copy = volume.startCopy(second)) {
      copy.finish(chunk -> {});
    }
    assertThat(ByteBuffer.wrap(Files.readAllBytes(second)).getLong(0)).isEqualTo(42);
  }

  @Test
  void onlyOneCopyAtATime() {
    try (Checkpoint ignored = volume.startCopy(dir.resolve("first"))) {
      assertThatThrownBy(() -> volume.startCopy(dir.resolve("second"))).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("already being written");
    }
  }

  @Test
  void anObserverThatThrowsStopsTheCopy() {
    try (Checkpoint copy = volume.startCopy(dir.resolve("copy"))) {
      int[] chunks = {0};
      assertThatThrownBy(() -> copy.finish(chunk -> {
        if (++chunks[0] == 2) {
          throw new IOException("stop here");
        }
      })).hasMessage("stop here");
      assertThat(chunks[0]).isEqualTo(2);
    }
  }
}
