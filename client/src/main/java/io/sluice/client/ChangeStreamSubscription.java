package io.sluice.client;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.protocol.RaftPeerId;

/**
 * One subscriber's change stream, driven by its demand: a getMore goes out only while the subscriber
 * wants events and none are buffered, and nothing holds a thread while the node waits for events, so
 * thousands of subscriptions cost no more threads than one.
 *
 * <p>Signals go to the subscriber one at a time: every change of state (demand, a round trip's end, a
 * cancel) asks for a drain, and only the thread that turns {@link #drainsAsked} from 0 runs the drain
 * loop, on the client's delivery executor, until no ask is left (the usual Reactive Streams "work in
 * progress" loop). The subscribing thread holds that role while {@code onSubscribe} runs.
 */
final class ChangeStreamSubscription implements Flow.Subscription {
  private final Flow.Subscriber<? super ChangeStreamDocument> subscriber;
  private final ResumableStream stream;
  private final Executor delivery;
  private final AtomicLong demand = new AtomicLong();
  private final AtomicInteger drainsAsked = new AtomicInteger(1);
  private volatile boolean cancelled;
  private volatile IllegalArgumentException badRequest;
  /** A round trip (the opening or a getMore) is under way: no getMore may start until it ends. */
  private volatile boolean roundTripUnderWay = true;
  private volatile Throwable failure;
  /** Set by the drain that sent onComplete or onError, or saw the cancel: nothing more is sent. */
  private boolean finished;

  private ChangeStreamSubscription(Flow.Subscriber<? super ChangeStreamDocument> subscriber, ResumableStream stream, Executor delivery) {
    this.subscriber = subscriber;
    this.stream = stream;
    this.delivery = delivery;
  }

  /** Hands the subscriber its subscription, then opens the stream on the node {@code firstNode} names. */
  static void start(Flow.Subscriber<? super ChangeStreamDocument> subscriber, ResumableStream stream,
                    CompletableFuture<RaftPeerId> firstNode, Executor delivery) {
    ChangeStreamSubscription subscription = new ChangeStreamSubscription(subscriber, stream, delivery);
    try {
      subscriber.onSubscribe(subscription);
    } catch (RuntimeException e) {
      subscription.cancelled = true; // Reactive Streams rule 2.13
    }
    stream.onClose(subscription::drain); // the client's close, too, ends the subscription
    subscription.whenRoundTripEnds(subscription.cancelled ? CompletableFuture.completedFuture(null) : firstNode.thenCompose(stream::open));
    subscription.runDrainLoop(); // with the ask the subscribing thread held, and any made meanwhile
  }

  @Override
  public void request(long n) {
    if (n <= 0) {
      badRequest = new IllegalArgumentException("a subscriber must request a positive number of events (Reactive Streams rule 3.9), got " + n);
      cancelled = true;
    } else {
      demand.getAndAccumulate(n, (current, more) -> current + more < 0 ? Long.MAX_VALUE : current + more);
    }
    drain();
  }

  @Override
  public void cancel() {
    cancelled = true;
    drain();
  }

  private void whenRoundTripEnds(CompletableFuture<Void> roundTrip) {
    roundTrip.whenComplete((ignored, e) -> {
      if (e != null) {
        failure = ResumableStream.unwrap(e);
      }
      roundTripUnderWay = false;
      drain();
    });
  }

  private void drain() {
    if (drainsAsked.getAndIncrement() == 0) {
      runDrainLoop();
    }
  }

  private void runDrainLoop() {
    try {
      delivery.execute(this::drainLoop);
    } catch (RejectedExecutionException clientClosed) {
      // No drain runs, and none will: this thread holds the loop's role for good, and ends the stream.
      if (!finished) {
        end(new SluiceException(ErrorCode.SHUTDOWN_IN_PROGRESS, "the client was closed", clientClosed));
      }
    }
  }

  private void drainLoop() {
    int asked = drainsAsked.get();
    do {
      if (!finished) {
        try {
          emit();
        } catch (Throwable e) { // a bad event or a failing subscriber must not leave the loop's role taken
          if (!finished) {
            end(e);
          }
        }
      }
      asked = drainsAsked.addAndGet(-asked);
    } while (asked != 0);
  }

  /** Sends what the state allows: events up to the demand, then the end, or starts the next getMore. */
  private void emit() {
    while (!cancelled && !roundTripUnderWay && demand.get() > 0 && stream.hasBuffered()) {
      demand.decrementAndGet();
      ChangeStreamDocument event = new ChangeStreamDocument(stream.poll());
      try {
        subscriber.onNext(event);
      } catch (Throwable e) {
        cancelled = true; // Reactive Streams rule 2.13: a subscriber that throws has cancelled
      }
    }
    if (cancelled) {
      finish();
      if (badRequest != null) {
        subscriber.onError(badRequest);
      }
    } else if (roundTripUnderWay) {
      return;
    } else if (failure != null) {
      end(failure);
    } else if (!stream.hasBuffered() && stream.isClosed()) {
      end(new SluiceException(ErrorCode.SHUTDOWN_IN_PROGRESS, "the client was closed"));
    } else if (!stream.hasBuffered() && stream.isEnded()) {
      finish();
      subscriber.onComplete();
    } else if (demand.get() > 0 && !stream.hasBuffered()) {
      roundTripUnderWay = true;
      whenRoundTripEnds(stream.fetch());
    }
  }

  private void end(Throwable error) {
    finish();
    subscriber.onError(error);
  }

  /** Nothing more is sent, and the stream is closed (which cannot throw: its kill is asynchronous). */
  private void finish() {
    finished = true;
    stream.close();
  }
}
