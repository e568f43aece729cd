package io.sluice.statemachine;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.Position;
import io.sluice.protocol.Replies;
import io.sluice.protocol.SluiceException;
import io.sluice.statemachine.changestream.ChangeHub;
import io.sluice.statemachine.changestream.ChangeStreamService;
import io.sluice.statemachine.changestream.StreamSettings;
import io.sluice.statemachine.command.FindCursors;
import io.sluice.statemachine.command.LogEntry;
import io.sluice.statemachine.command.QueryExecutor;
import io.sluice.statemachine.command.WriteSession;
import io.sluice.statemachine.command.WriteStamper;
import io.sluice.statemachine.storage.DocumentStore;
import io.sluice.statemachine.storage.SessionTable.ClientCall;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SnapshotManagementRequest;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.raftlog.segmented.LogSegmentPath;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;
import org.bson.BsonDocument;
import org.bson.types.ObjectId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sluice's replicated state machine.
 *
 * <ul>
 *   <li>{@link #startTransaction} runs on the leader only, concurrently: it stamps the entry with the
 *       leader's wall time and fixes generated ids ({@link WriteStamper}). It is the only place that
 *       reads a clock or makes ids.</li>
 *   <li>{@link #applyTransaction} runs on every replica, on one thread, in commit order, and hands
 *       the entry to {@link EntryApplier}: a pure function of (store, entry) that gives every command,
 *       valid or not, the same reply, effect and change events on every node. Nothing but a storage
 *       failure escapes, and that one stops the server on purpose: the node can no longer keep up.</li>
 *   <li>{@link #query} answers linearizable reads (Ratis calls it after ReadIndex);
 *       {@link #queryStale} answers reads that need this node to have applied at least an index,
 *       waiting for the apply thread up to {@code staleReadWait}. Both also serve change-stream cursor
 *       commands ({@link ChangeStreamService}) from this node's own applied history, which is how a
 *       follower serves streams without the leader.</li>
 * </ul>
 */
public class SluiceStateMachine extends BaseStateMachine {
  private static final Logger LOG = LoggerFactory.getLogger(SluiceStateMachine.class);

  private final DocumentStore store;
  private final EntryApplier applier;
  private final QueryExecutor reads;
  private final WriteStamper stamper = new WriteStamper(ObjectId::new);
  private final LongSupplier wallClockMillis;
  private final Duration staleReadWait;
  private final AppliedIndexWaiter appliedWaiter;
  private final ScheduledExecutorService streamTimers;
  private final ChangeHub changeHub;
  private final ChangeStreamService streams;
  /** Leader only: from {@link #startTransaction} to the entry's reply, replication and fsync included. */
  private final Timer writeLatency;
  /** The time this node takes to answer a read, change-stream cursors excepted (they wait on purpose). */
  private final Timer readLatency;
  private final Counter leaderChanges;

  private final StoreSnapshots snapshots = new StoreSnapshots();
  private final CompletableFuture<Void> closed = new CompletableFuture<>();
  private SnapshotTaker snapshotTaker;
  private static final Duration SNAPSHOT_REPORT_TIMEOUT = Duration.ofSeconds(60);

  public SluiceStateMachine(DocumentStore store, LongSupplier wallClockMillis, Duration staleReadWait, StreamSettings streamSettings,
                            Duration sessionLifetime, MeterRegistry metrics) {
    this.store = store;
    FindCursors findCursors = new FindCursors(System::nanoTime, new java.security.SecureRandom()::nextLong);
    this.reads = new QueryExecutor(store, findCursors);
    this.wallClockMillis = wallClockMillis;
    this.staleReadWait = staleReadWait;
    Position applied = store.appliedState().position();
    this.appliedWaiter = new AppliedIndexWaiter(applied.index());
    this.streamTimers = Executors.newScheduledThreadPool(2,
        new ThreadFactoryBuilder().setNameFormat("change-streams-%d").setDaemon(true).build());
    this.changeHub = new ChangeHub(applied.index(), streamSettings.tailEntries(), streamSettings.tailBytes(), streamTimers);
    this.applier = new EntryApplier(store, streamSettings.window(), changeHub, sessionLifetime);
    this.streams = new ChangeStreamService(store, changeHub, streamTimers, System::nanoTime, streamSettings.cursorIdle(),
        streamSettings.catchUpWait(), new java.security.SecureRandom().nextLong());
    streamTimers.scheduleWithFixedDelay(findCursors::expireIdle, 1, 1, TimeUnit.MINUTES);
    this.writeLatency = latencyTimer("sluice.write.latency", "leader: from accepting a write to its reply, replication included",
        Duration.ofMillis(1), metrics);
    this.readLatency = latencyTimer("sluice.read.latency", "time to answer a read on this node (change streams excepted)",
        Duration.ofNanos(50_000), metrics);
    this.leaderChanges = Counter.builder("sluice.raft.leader.changes")
        .description("times this node learned of a leader: a new one, or the same one in a new term").register(metrics);
    registerStreamMetrics(metrics);
  }

  private static Timer latencyTimer(String name, String description, Duration floor, MeterRegistry metrics) {
    return Timer.builder(name).description(description).publishPercentileHistogram()
        .minimumExpectedValue(floor).maximumExpectedValue(Duration.ofSeconds(10)).register(metrics);
  }

  private void registerStreamMetrics(MeterRegistry metrics) {
    Gauge.builder("sluice.streams.open", streams, ChangeStreamService::openCursors).description("open change streams").register(metrics);
    FunctionCounter.builder("sluice.stream.events.delivered", streams, ChangeStreamService::eventsDelivered)
        .description("change events sent to streams on this node").register(metrics);
    FunctionCounter.builder("sluice.stream.history.lost", streams, ChangeStreamService::historyLostErrors)
        .description("streams refused or ended because their position is older than the change history (ChangeStreamHistoryLost)").register(metrics);
    Gauge.builder("sluice.stream.lag.entries", streams, s -> s.lag(wallClockMillis.getAsLong()).entries())
        .description("log entries the furthest-behind open stream has not read").register(metrics);
    Gauge.builder("sluice.stream.lag", streams, s -> s.lag(wallClockMillis.getAsLong()).seconds()).baseUnit("seconds")
        .description("age of the oldest entry the furthest-behind open stream has not read").register(metrics);
  }

  public DocumentStore store() {
    return store;
  }

  public ChangeStreamService streams() {
    return streams;
  }

  /**
   * Finds the snapshots and, if the store is behind the newest (it was cut off by a crash and
   * discarded, or it is new), restores it from the newest intact one (checked against its checksum first).
   * Ratis then replays the log after the snapshot; entries the store already holds are skipped
   * ({@link #applyTransaction}).
   */
  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage storage) throws java.io.IOException {
    super.initialize(server, groupId, storage);
    RaftProperties properties = server.getProperties();
    snapshots.init(storage, RaftServerConfigKeys.Snapshot.retentionFileNum(properties), SnapshotConfigKeys.writeBytesPerSecond(properties));
    SnapshotInfo latest = snapshots.latestIntact();
    checkLogContinues(storage, latest);
    restoreIfBehind(latest);
    snapshotTaker = new SnapshotTaker(snapshots, store, () -> askForSnapshot(server));
    snapshotTaker.loaded(latest);
    getLifeCycle().startAndTransition(() -> {});
    LOG.info("{}: store is at {}, latest snapshot {}; Raft replays the log after the snapshot", getId(),
        store.appliedState().position(), snapshots.latest());
  }

  /**
   * Ratis replays the log from the snapshot on. If the log starts later (it was purged up to a newer
   * snapshot, since found damaged and set aside), the entries between exist nowhere on this node.
   */
  private static void checkLogContinues(RaftStorage storage, SnapshotInfo snapshot) throws java.io.IOException {
    List<LogSegmentPath> segments = LogSegmentPath.getLogSegmentPaths(storage);
    if (segments.isEmpty()) {
      return;
    }
    // Segment files are named log_<start>-<end> or log_inprogress_<start>.
    java.util.regex.Matcher name = java.util.regex.Pattern.compile("log_(?:inprogress_)?(\\d+).*")
        .matcher(segments.get(0).getPath().getFileName().toString());
    if (!name.matches()) {
      return;
    }
    long firstInLog = Long.parseLong(name.group(1));
    long snapshotIndex = snapshot == null ? -1 : snapshot.getIndex();
    if (firstInLog > snapshotIndex + 1) {
      throw new java.io.IOException("the Raft log starts at index " + firstInLog + " but the newest intact snapshot ends at "
          + snapshotIndex + ": the entries between are on no local disk (a newer snapshot was damaged and set aside, or deleted)."
          + " Wipe this node and rejoin it to the cluster");
    }
  }

  @Override
  public StateMachineStorage getStateMachineStorage() {
    return snapshots.storage();
  }

  @Override
  public SnapshotInfo getLatestSnapshot() {
    return snapshots.latest();
  }

  /** See {@link SnapshotTaker}. */
  @Override
  public long takeSnapshot() throws java.io.IOException {
    return snapshotTaker.take(getLastAppliedTermIndex());
  }

  /**
   * Asks Ratis to take a snapshot now, as an operator's request does (the same call, to this server):
   * Ratis then calls {@link #takeSnapshot}, which reports the snapshot just written, and purges the log.
   * When nothing was applied after the snapshot, Ratis answers without that call, and the log is purged
   * here instead, as Ratis would have (an idle cluster's log would otherwise wait for the next snapshot).
   */
  private void askForSnapshot(RaftServer server) {
    SnapshotManagementRequest request = SnapshotManagementRequest.newCreate(ClientId.randomId(), server.getId(), getGroupId(),
        0, SNAPSHOT_REPORT_TIMEOUT.toMillis(), 1);
    server.snapshotManagementAsync(request).whenComplete((reply, e) -> {
      if (e != null || !reply.isSuccess()) {
        LOG.warn("{}: a snapshot was written but Ratis could not be told (it learns of it at its next snapshot): {}", getId(),
            e != null ? e : reply.getException());
      } else {
        purgeIfRatisSkipped(server);
      }
    });
  }

  /** Purges the log up to the snapshot just written if Ratis answered without taking it ({@link SnapshotTaker#reportSkipped}). */
  private void purgeIfRatisSkipped(RaftServer server) {
    try {
      long skipped = snapshotTaker.reportSkipped();
      if (skipped != RaftLog.INVALID_LOG_INDEX && RaftServerConfigKeys.Log.purgeUptoSnapshotIndex(server.getProperties())) {
        server.getDivision(getGroupId()).getRaftLog().purge(skipped);
      }
    } catch (java.io.IOException failed) {
      LOG.warn("{}: the log was not purged up to the snapshot just written (it is at the next snapshot): {}",
          getId(), failed.toString());
    }
  }

  /** Ratis is about to replace the snapshot directory with a snapshot installed from the leader. */
  @Override
  public void pause() {
    snapshotTaker.pause();
    getLifeCycle().transition(LifeCycle.State.PAUSING);
    getLifeCycle().transition(LifeCycle.State.PAUSED);
  }

  /** Loads the snapshot just installed from the leader; Ratis applies the log after it. */
  @Override
  public void reinitialize() throws java.io.IOException {
    SnapshotInfo installed = snapshots.reload();
    LOG.info("{}: loading the snapshot installed from the leader: {}", getId(), installed);
    restoreIfBehind(installed);
    snapshotTaker.loaded(installed);
    getLifeCycle().startAndTransition(() -> {});
  }

  private void restoreIfBehind(SnapshotInfo snapshot) {
    long storeIndex = store.appliedState().position().index();
    if (snapshot != null && snapshot.getIndex() > storeIndex) {
      store.restore(snapshot.getFiles().get(0).getPath());
      changeHub.restart(store.appliedState().position().index());
    }
    // Ratis applies the log from the snapshot on: that is its applied index, even if the store is further.
    if (snapshot != null) {
      setLastAppliedTermIndex(snapshot.getTermIndex());
    }
    appliedWaiter.advance(store.appliedState().position().index());
  }


  @Override
  public TransactionContext startTransaction(RaftClientRequest request) {
    byte[] command = request.getMessage().getContent().toByteArray();
    LogEntry entry = stamper.stamp(command, wallClockMillis.getAsLong());
    return TransactionContext.newBuilder()
        .setStateMachine(this)
        .setClientRequest(request)
        .setLogData(ByteString.copyFrom(entry.encode()))
        .setStateMachineContext(System.nanoTime())
        .build();
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    TermIndex termIndex = TermIndex.valueOf(trx.getLogEntry());
    if (termIndex.getIndex() <= store.appliedState().position().index()) {
      // The store was closed cleanly after this entry: Raft replays from the older snapshot. Ratis puts
      // the reply in its retry cache, so it should be the entry's first reply: the session table keeps
      // it while the call is its session's latest (a client moves on only once it has the reply). A
      // call its session has moved past gets TransactionTooOld, and a write without session fields a
      // bare ok: neither is sent again by a client waiting for it.
      updateLastAppliedTermIndex(termIndex);
      appliedWaiter.advance(termIndex.getIndex());
      BsonDocument firstReply;
      try {
        firstReply = WriteSession.callOf(decode(trx).command()).flatMap(this::firstReply).orElseGet(Replies::ok);
      } catch (SluiceException e) {
        firstReply = Replies.error(e);
      }
      return CompletableFuture.completedFuture(toMessage(firstReply));
    }
    BsonDocument reply = applier.apply(new Position(termIndex.getTerm(), termIndex.getIndex()), decode(trx));
    updateLastAppliedTermIndex(termIndex);
    appliedWaiter.advance(termIndex.getIndex());
    if (trx.getStateMachineContext() instanceof Long started) {
      writeLatency.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    }
    return CompletableFuture.completedFuture(toMessage(reply));
  }

  private Optional<BsonDocument> firstReply(ClientCall call) {
    store.readLock().lock();
    try {
      return store.sessions().answered(call);
    } finally {
      store.readLock().unlock();
    }
  }

  private static LogEntry decode(TransactionContext trx) {
    try {
      return LogEntry.decode(trx.getLogEntry().getStateMachineLogEntry().getLogData().asReadOnlyByteBuffer());
    } catch (SluiceException e) {
      // Not written by a Sluice leader: apply it as a command that fails to parse, with no time.
      return new LogEntry(0, new byte[0]);
    }
  }

  @Override
  public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
    leaderChanges.increment();
  }

  @Override
  public void notifyTermIndexUpdated(long term, long index) {
    // Configuration and metadata entries: nothing to apply, but reads waiting for the index may go on.
    super.notifyTermIndexUpdated(term, index);
    appliedWaiter.advance(index);
  }

  @Override
  public CompletableFuture<Message> query(Message request) {
    return answer(request);
  }

  @Override
  public CompletableFuture<Message> queryStale(Message request, long minIndex) {
    return appliedWaiter.whenApplied(minIndex)
        .orTimeout(staleReadWait.toMillis(), TimeUnit.MILLISECONDS)
        .handle((ok, timeout) -> timeout)
        .thenCompose(timeout -> timeout == null ? answer(request)
            : CompletableFuture.completedFuture(toMessage(Replies.error(ErrorCode.NOT_YET_APPLIED, "node " + getId()
                + " has applied up to " + getLastAppliedTermIndex() + " and did not reach index " + minIndex + " within "
                + staleReadWait.toMillis() + " ms"))));
  }

  /** Answers a read: change-stream cursor commands asynchronously, every other read at once. */
  private CompletableFuture<Message> answer(Message request) {
    BsonDocument command;
    try {
      command = LogEntry.parseCommand(request.getContent().toByteArray());
    } catch (SluiceException e) {
      return CompletableFuture.completedFuture(toMessage(Replies.error(e)));
    }
    if (!command.isEmpty() && !FindCursors.handles(command) && ChangeStreamService.handles(command)) {
      return streams.execute(command).thenApply(SluiceStateMachine::toMessage);
    }
    if (!command.isEmpty() && command.getFirstKey().equals("hello")) {
      return CompletableFuture.completedFuture(toMessage(hello()));
    }
    long started = System.nanoTime();
    Message reply = toMessage(read(command));
    readLatency.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    return CompletableFuture.completedFuture(reply);
  }

  /** MongoDB's {@code hello}, answered from this node's own view: is it the leader, and how far has it applied. */
  private BsonDocument hello() {
    boolean leader;
    try {
      leader = getServer().get().getDivision(getGroupId()).getInfo().isLeader();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      leader = false;
    } catch (java.io.IOException | java.util.concurrent.ExecutionException | RuntimeException e) {
      leader = false;
    }
    return Replies.ok().append("isWritablePrimary", org.bson.BsonBoolean.valueOf(leader))
        .append("me", new org.bson.BsonString(String.valueOf(getId())))
        .append("appliedIndex", new org.bson.BsonInt64(store.appliedState().position().index()));
  }

  private BsonDocument read(BsonDocument command) {
    try {
      return reads.execute(command);
    } catch (SluiceException e) {
      return Replies.error(e);
    } catch (RuntimeException e) {
      LOG.error("{}: read failed", getId(), e);
      return Replies.error(ErrorCode.INTERNAL_ERROR, "read failed: " + e);
    }
  }

  private static Message toMessage(BsonDocument reply) {
    return Message.valueOf(ByteString.copyFrom(LogEntry.toBytes(reply)));
  }

  /**
   * Completes once this state machine is closed: by its node's own stop, or by Ratis when it closes
   * the group on this server (the server was removed from the configuration, or applying failed).
   */
  public CompletableFuture<Void> whenClosed() {
    return closed;
  }

  @Override
  public void close() {
    snapshots.close();
    streams.close();
    streamTimers.shutdownNow();
    store.close();
    closed.complete(null);
  }
}
