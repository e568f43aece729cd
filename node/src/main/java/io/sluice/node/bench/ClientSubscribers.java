package io.sluice.node.bench;

import io.sluice.client.ChangeStreamDocument;
import io.sluice.client.ConnectionString;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceCollection;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.bson.BsonDocument;

/**
 * Many change streams on one node, each a subscriber of the Java client's publisher, as users run
 * them ({@code bench fanout --fanout-via client}): thousands of open streams without a thread each,
 * through one client, resuming elsewhere when a getMore fails. Records the arrival time of every
 * event, keyed by the document's integer {@code _id}.
 */
final class ClientSubscribers extends FanoutStreams {
  private final SluiceClient client;
  private final SluiceCollection collection;
  private final String node;
  private final IntFunction<List<BsonDocument>> stages;
  private final int awaitMs;

  /**
   * @param stages  the pipeline stages after {@code $changeStream} of the k-th stream opened
   * @param awaitMs how long each getMore waits for an event at most: for each stream a random time
   *                between half that and all of it, so that thousands of streams do not time out together
   */
  ClientSubscribers(ConnectionString connection, String nodeAddress, String database, String collection,
               IntFunction<List<BsonDocument>> stages, int awaitMs) {
    this.client = SluiceClient.connect(connection);
    this.collection = client.getDatabase(database).getCollection(collection);
    this.node = nodeAddress;
    this.stages = stages;
    this.awaitMs = awaitMs;
  }

  /**
   * Subscribes {@code count} streams; they open asynchronously, each at the node's position when it
   * opens. Not after one shared token: each stream would then read every record written since that
   * token, under the store's read lock, while the writes have started (a resume from a token far back
   * costs that too).
   */
  @Override
  void open(int count) {
    for (int k = 0; k < count; k++) {
      long await = awaitMs / 2 + ThreadLocalRandom.current().nextInt(awaitMs / 2 + 1);
      collection.watch(stages.apply(k)).onNode(node).maxAwaitTime(await, TimeUnit.MILLISECONDS).publisher().subscribe(new Arrivals());
    }
  }




  /** Closes the client, which kills every stream's cursor on the node. */
  @Override
  public void close() {
    client.close();
  }

  private final class Arrivals implements Flow.Subscriber<ChangeStreamDocument> {
    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(ChangeStreamDocument event) {
      arrived(event.getDocumentKey().getNumber("_id").longValue());
    }

    @Override
    public void onError(Throwable failure) {
      failed(failure.toString());
    }

    @Override
    public void onComplete() {
    }
  }
}
