package io.sluice.node.bench;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;

/**
 * The baseline's state machine: it counts the entries it applies and replies with nothing. Whatever
 * a write costs above this, on the same Ratis settings, is what Sluice adds (the document engine,
 * MapDB, change events).
 */
final class NoOpStateMachine extends BaseStateMachine {
  private final AtomicLong applied = new AtomicLong();

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
    applied.incrementAndGet();
    return CompletableFuture.completedFuture(Message.EMPTY);
  }

  long applied() {
    return applied.get();
  }
}
