package io.sluice.node;

import io.sluice.client.ChangeStreamCursor;
import io.sluice.client.ChangeStreamDocument;
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

  @Override
  public void close() throws InterruptedException {
    stream.close();
    thread.join();
  }
}
