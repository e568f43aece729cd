package io.sluice.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.client.ChangeStreamCursor;
import io.sluice.client.ChangeStreamDocument;
import io.sluice.client.SluiceCollection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/** Reads a change stream on its own thread and keeps each event's integer {@code _id}, in order. */
final class StreamRecorder implements AutoCloseable {
  final List<Integer> received = new CopyOnWriteArrayList<>();
  /** What ended the reading other than {@link #close}: a test asserts there was none. */
  final AtomicReference<RuntimeException> failure = new AtomicReference<>();
  private final ChangeStreamCursor<ChangeStreamDocument> stream;
  private final Thread thread;

  StreamRecorder(ChangeStreamCursor<ChangeStreamDocument> stream) {
    this.stream = stream;
    thread = new Thread(() -> {
      while (!stream.isClosed()) {
        try {
          ChangeStreamDocument event = stream.tryNext();
          if (event != null) {
            received.add(event.getDocumentKey().getInt32("_id").getValue());
          }
        } catch (RuntimeException e) {
          if (!stream.isClosed()) {
            failure.set(e);
            return;
          }
        }
      }
    }, "stream-recorder");
    thread.start();
  }

  /**
   * For a stream of the writer's collection, once the writer stopped: every acknowledged write is
   * stored and delivered once, in log order, and nothing was delivered that is not stored (writes
   * whose outcome is unknown may be there, once). Closes the stream.
   */
  void assertDeliveredOnceInOrder(SequentialWriter writer, SluiceCollection c) throws InterruptedException {
    assertThat(SequentialWriter.stored(c)).as("every acknowledged write is stored").containsAll(writer.acknowledged);
    await().atMost(Duration.ofSeconds(30)).until(() -> received.contains(writer.lastAcknowledged()) || failure.get() != null);
    assertThat(failure.get()).as("the stream's error").isNull();
    close();
    assertThat(received).as("each write once, in log order").doesNotHaveDuplicates().isSorted().containsAll(writer.acknowledged);
    assertThat(SequentialWriter.stored(c)).as("no event for a write that is not stored").containsAll(received);
  }

  @Override
  public void close() throws InterruptedException {
    stream.close();
    thread.join();
  }
}
