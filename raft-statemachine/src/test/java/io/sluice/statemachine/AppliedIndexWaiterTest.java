package io.sluice.statemachine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AppliedIndexWaiterTest {

  @Test
  void completesAtOnceWhenAlreadyApplied() {
    AppliedIndexWaiter waiter = new AppliedIndexWaiter(10);
    assertThat(waiter.whenApplied(10)).isCompleted();
    assertThat(waiter.whenApplied(3)).isCompleted();
    assertThat(waiter.whenApplied(0)).isCompleted();
  }

  @Test
  void doesNotCompleteBeforeTheIndexIsApplied() {
    AppliedIndexWaiter waiter = new AppliedIndexWaiter(10);
    CompletableFuture<Void> future = waiter.whenApplied(12);
    assertThat(future).isNotDone();
    waiter.advance(11);
    assertThat(future).isNotDone();
  }

  @Test
  void completesWhenAdvancedExactlyToTheIndex() {
    AppliedIndexWaiter waiter = new AppliedIndexWaiter(0);
    CompletableFuture<Void> future = waiter.whenApplied(5);
    waiter.advance(5);
    assertThat(future).isCompleted();
  }

  @Test
  void completesWhenAdvancedPastTheIndex() {
    AppliedIndexWaiter waiter = new AppliedIndexWaiter(0);
    CompletableFuture<Void> a = waiter.whenApplied(5);
    CompletableFuture<Void> b = waiter.whenApplied(5);
    CompletableFuture<Void> c = waiter.whenApplied(8);
    CompletableFuture<Void> later = waiter.whenApplied(20);
    waiter.advance(9);
    assertThat(a).isCompleted();
    assertThat(b).isCompleted();
    assertThat(c).isCompleted();
    assertThat(later).isNotDone();
  }

  @Test
  void advancingBackwardsDoesNotLowerTheAppliedIndex() {
    AppliedIndexWaiter waiter = new AppliedIndexWaiter(0);
    waiter.advance(10);
    waiter.advance(4);
    assertThat(waiter.whenApplied(9)).isCompleted();
    CompletableFuture<Void> future = waiter.whenApplied(11);
    waiter.advance(7);
    assertThat(future).isNotDone();
  }

  @Test
  void waitersOnManyThreadsAllComplete() throws Exception {
    AppliedIndexWaiter waiter = new AppliedIndexWaiter(0);
    List<CompletableFuture<Void>> futures = new ArrayList<>();
    CountDownLatch registered = new CountDownLatch(4);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int base = t;
      Thread thread = new Thread(() -> {
        for (int i = 1; i <= 250; i++) {
          CompletableFuture<Void> f = waiter.whenApplied(base * 250L + i);
          synchronized (futures) {
            futures.add(f);
          }
        }
        registered.countDown();
      });
      threads.add(thread);
      thread.start();
    }
    for (long index = 1; index <= 1000; index++) {
      waiter.advance(index);
    }
    assertThat(registered.await(10, TimeUnit.SECONDS)).isTrue();
    for (Thread thread : threads) {
      thread.join();
    }
    CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
    assertThat(futures).hasSize(1000).allMatch(CompletableFuture::isDone);
  }
}
