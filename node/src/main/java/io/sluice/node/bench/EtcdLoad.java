package io.sluice.node.bench;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The write load of {@link SluiceLoad#writes} on an etcd cluster, through jetcd (etcd's gRPC API):
 * {@code keys} keys put first, then half puts of a new key and half puts of one of those, each with a
 * value of {@code valueBytes}. etcd fsyncs its log before acknowledging, as Sluice does.
 */
final class EtcdLoad implements LoadTarget {
  private static final long TIMEOUT_SECONDS = 30;
  /** Loading 64 small keys takes milliseconds; longer means etcd is not there. */
  private static final long LOAD_TIMEOUT_SECONDS = 10;

  private final Client client;
  private final KV kv;
  private final int keys;
  private final ByteSequence value;
  private final AtomicLong nextKey;

  private EtcdLoad(String endpoints, int keys, int valueBytes) {
    this.client = Client.builder().endpoints(endpoints.split(",")).connectTimeout(java.time.Duration.ofSeconds(5)).build();
    this.kv = client.getKVClient();
    this.keys = keys;
    byte[] bytes = new byte[valueBytes];
    new SplittableRandom(7).nextBytes(bytes);
    this.value = ByteSequence.from(bytes);
    this.nextKey = new AtomicLong(keys);
  }

  /** Connects to the etcd members at {@code endpoints} (comma-separated URLs) and puts the {@code keys} keys. */
  static EtcdLoad writes(String endpoints, int keys, int valueBytes) throws Exception {
    EtcdLoad load = new EtcdLoad(endpoints, keys, valueBytes);
    try {
      List<CompletableFuture<?>> batch = new ArrayList<>();
      for (long key = 0; key < keys; key++) {
        batch.add(load.kv.put(key(key), load.value));
        if (batch.size() == 64 || key == keys - 1) {
          CompletableFuture.allOf(batch.toArray(CompletableFuture[]::new)).get(LOAD_TIMEOUT_SECONDS, TimeUnit.SECONDS);
          batch.clear();
        }
      }
    } catch (Exception | LinkageError e) {
      load.close();
      throw new IllegalStateException("could not load " + keys + " keys into etcd at " + endpoints + " (is it up? deploy/etcd/etcd-cluster.sh up): "
          + e, e);
    }
    return load;
  }

  private static ByteSequence key(long key) {
    return ByteSequence.from("bench/" + key, StandardCharsets.UTF_8);
  }

  @Override
  public String name() {
    return "etcd";
  }

  @Override
  public String unit() {
    return "writes";
  }

  @Override
  public void operate(SplittableRandom random) throws Exception {
    long key = random.nextBoolean() ? nextKey.getAndIncrement() : random.nextInt(keys);
    kv.put(key(key), value).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    client.close();
  }
}
