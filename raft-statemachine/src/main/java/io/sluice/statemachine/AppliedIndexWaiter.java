package io.sluice.statemachine;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * Futures that complete once the state machine has applied a given index. The apply thread calls
 * {@link #advance} after each entry; readers that need "at least index i" wait here instead of
 * polling. (Ratis 3.3.0's own {@code BaseStateMachine.queryStale} never completes in that case.)
 */
final class AppliedIndexWaiter {
  private final TreeMap<Long, List<CompletableFuture<Void>>> waiting = new TreeMap<>();
  private long applied;

  AppliedIndexWaiter(long applied) {
    this.applied = applied;
  }

  /** Completes when {@code index} has been applied (at once if it has been). */
  CompletableFuture<Void> whenApplied(long index) {
    synchronized (waiting) {
      if (index <= applied) {
        return CompletableFuture.completedFuture(null);
      }
      CompletableFuture<Void> future = new CompletableFuture<>();
      waiting.computeIfAbsent(index, i -> new ArrayList<>()).add(future);
      return future;
    }
  }

  void advance(long index) {
    List<CompletableFuture<Void>> ready = new ArrayList<>();
    synchronized (waiting) {
      applied = Math.max(applied, index);
      Map<Long, List<CompletableFuture<Void>>> reached = waiting.headMap(applied, true);
      reached.values().forEach(ready::addAll);
      reached.clear();
    }
    ready.forEach(f -> f.complete(null));
  }
}
