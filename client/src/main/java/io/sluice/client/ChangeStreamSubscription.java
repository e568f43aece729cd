package io.sluice.client;

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
 * <p>Signals go to the subscriber from the client's delivery executor, one at a time: every change of
 * state (demand, a round trip's end, a cancel) asks for a drain, and only one drain runs at a time
 * ({@link #drainsAsked} counts the asks, the usual Reactive Streams "work in progress" loop).
 */
final class ChangeStreamSubscription implements Flow.Subscription {
  private final Flow.Subscriber<? super ChangeStreamDocument> subscriber;
  private final ResumableStream stream;
  private final Executor delivery;
  private final AtomicLong demand = new AtomicLong();
  private final AtomicInteger drainsAsked = new AtomicInteger();
  private volatile boolean cancelled;
  /** A round trip (the opening or a getMore) is under way: the stream is not to be touched until it ends. */
  private volatile boolean roundTripUnderWay = true;
  private volatile Throwable failure;
  private volatile IllegalArgumentException badRequest;
  /** Set by the drain that sent onComplete or onError (or saw the cancel): nothing more is sent. */
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
      subscription.cancel();
    }
    if (subscription.cancelled) {
      subscription.roundTripEnded(CompletableFuture.completedFuture(null)); // nothing to open: just signal the end
    } else {
      subscription.roundTripEnded(firstNode.thenCompose(stream::open));
    }
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

  private void roundTripEnded(CompletableFuture<Void> roundTrip) {
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
      try {
        delivery.execute(this::drainLoop);
      } catch (RejectedExecutionException clientClosed) {
        drainsAsked.set(0);
      }
    }
  }

  private void drainLoop() {
    int asked = 1;
    do {
      if (!finished) {
        emit();
      }
      asked = drainsAsked.addAndGet(-asked);
    } while (asked != 0);
  }

  /** Sends what the state allows: events up to the demand, then the end, or starts the next getMore. */
  private void emit() {
    if (cancelled) {
      finish();
      if (badRequest != null) {
        subscriber.onError(badRequest);
      }
      return;
    }
    if (roundTripUnderWay) {
      return;
    }
    if (failure != null) {
      finish();
      subscriber.onError(failure);
      return;
    }
    while (demand.get() > 0 && stream.hasBuffered() && !cancelled) {
      demand.decrementAndGet();
      ChangeStreamDocument event = new ChangeStreamDocument(stream.poll());
      try {
        subscriber.onNext(event);
      } catch (RuntimeException e) {
        cancelled = true; // Reactive Streams rule 2.13: a subscriber that throws has cancelled
      }
    }
    if (cancelled) {
      finish();
    } else if (!stream.hasBuffered() && stream.isEnded()) {
      finish();
      subscriber.onComplete();
    } else if (demand.get() > 0 && !stream.hasBuffered()) {
      roundTripUnderWay = true;
      roundTripEnded(stream.fetch());
    }
  }

  private void finish() {
    finished = true;
    stream.close();
  }
}
