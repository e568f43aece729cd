package io.sluice.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** At most the limit of opens run at once, every one runs in turn, and failures pass through unharmed. */
class OpenLimiterTest {
  @Test
  void runsAtMostTheLimitAtOnceAndTheRestAsPlacesFree() {
    OpenLimiter limiter = new OpenLimiter(2);
    List<CompletableFuture<Integer>> underWay = new ArrayList<>();
    List<CompletableFuture<Integer>> results = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      results.add(limiter.submit(() -> {
        CompletableFuture<Integer> open = new CompletableFuture<>();
        underWay.add(open);
        return open;
      }));
    }
    assertThat(underWay).hasSize(2);

    underWay.get(0).complete(0);
    assertThat(results.get(0)).isCompletedWithValue(0);
    assertThat(underWay).hasSize(3);

    underWay.get(1).completeExceptionally(new IllegalStateException("node gone"));
    assertThat(results.get(1)).isCompletedExceptionally();
    assertThat(underWay).hasSize(4);

    underWay.get(2).complete(2);
    underWay.get(3).complete(3);
    assertThat(underWay).hasSize(5);
    underWay.get(4).complete(4);
    assertThat(results).allMatch(CompletableFuture::isDone);
  }

  @Test
  void thousandsOfOpensThatFailAtOnceNeitherRecurseNorStall() {
    OpenLimiter limiter = new OpenLimiter(1);
    CompletableFuture<Integer> first = new CompletableFuture<>();
    CompletableFuture<Integer> held = limiter.submit(() -> first);
    AtomicInteger started = new AtomicInteger();
    List<CompletableFuture<Integer>> failing = new ArrayList<>();
    for (int i = 0; i < 100_000; i++) {
      failing.add(limiter.submit(() -> {
        started.incrementAndGet();
        throw new IllegalStateException("the connection is closed");
      }));
    }
    assertThat(started).hasValue(0);

    first.complete(1); // each waiting open fails as it starts; a recursive hand-over would overflow the stack
    assertThat(held).isCompletedWithValue(1);
    assertThat(started).hasValue(100_000);
    assertThat(failing).allMatch(CompletableFuture::isCompletedExceptionally);
  }

  @Test
  void anOpenSubmittedFromACompletingOpenStillRuns() {
    OpenLimiter limiter = new OpenLimiter(1);
    CompletableFuture<Integer> first = new CompletableFuture<>();
    CompletableFuture<Integer> chained = limiter.submit(() -> first)
        .thenCompose(one -> limiter.submit(() -> CompletableFuture.completedFuture(one + 1)));
    first.complete(1);
    assertThat(chained).isCompletedWithValue(2);
  }

  @Test
  void anOpenThatThrowsAnErrorOrReturnsNothingFreesItsPlace() {
    OpenLimiter limiter = new OpenLimiter(1);
    CompletableFuture<Integer> error = limiter.submit(() -> {
      throw new AssertionError("a bug in the open");
    });
    CompletableFuture<Integer> nothing = limiter.submit(() -> null);
    CompletableFuture<Integer> after = limiter.submit(() -> CompletableFuture.completedFuture(3));
    assertThat(error).isCompletedExceptionally();
    assertThat(nothing).isCompletedExceptionally();
    assertThat(after).isCompletedWithValue(3);
  }
}
