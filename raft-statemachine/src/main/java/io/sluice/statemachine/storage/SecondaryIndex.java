package io.sluice.statemachine.storage;

import com.google.common.collect.Iterators;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import io.sluice.statemachine.engine.BsonOrder;
import io.sluice.statemachine.engine.FieldPath;
import io.sluice.statemachine.engine.KeyRanges;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.mapdb.BTreeMap;

/**
 * One secondary index's B-tree. A document has one entry per distinct key it gives the index: the
 * entry's key is the {@link IndexKeys encoded} index key followed by the document's storage key (so
 * the documents of one index key are distinct entries), its value that storage key.
 *
 * <p>The keys of a document are its {@link IndexTuples}: a path through an array gives a key per
 * element (a multikey index), a missing field gives null (a sparse index skips a document that has
 * none of its fields), and fields under two different arrays are refused, as in MongoDB.
 */
final class SecondaryIndex {
  /** The longest encoded index key (MongoDB before 4.2 had such a limit too). */
  static final int MAX_KEY_BYTES = 8 * 1024;
  /** The most bytes of keys one document may give one index (a long field beside a long array could give gigabytes). */
  static final long MAX_DOCUMENT_KEY_BYTES = 32L * 1024 * 1024;
  private static final BsonDocument NO_VALUES = new BsonDocument();

  private final String namespace;
  private final IndexSpec spec;
  private final List<IndexSpec.Field> fields;
  private final List<String> paths;
  private final BTreeMap<byte[], byte[]> entries;
  /** Called once, the first time a document reaches this index through an array; persists {@link #multikey}. */
  private final Runnable onFirstMultikeyDocument;
  /**
   * True once any document reached the index through an array. Then one document can have keys on
   * both sides of a range without one inside it ({@code {a: [0, 5]}} matches {@code {$gte: 1, $lte: 3}}),
   * so a range is scanned from one end only.
   */
  private volatile boolean multikey;

  SecondaryIndex(String namespace, IndexSpec spec, BTreeMap<byte[], byte[]> entries, boolean multikey, Runnable onFirstMultikeyDocument) {
    this.namespace = namespace;
    this.spec = spec;
    this.fields = spec.fields();
    this.paths = fields.stream().map(IndexSpec.Field::path).toList();
    this.entries = entries;
    this.multikey = multikey;
    this.onFirstMultikeyDocument = onFirstMultikeyDocument;
  }

  boolean isMultikey() {
    return multikey;
  }

  IndexSpec spec() {
    return spec;
  }

  BTreeMap<byte[], byte[]> entries() {
    return entries;
  }

  /**
   * The document's index keys, each with the values it stands for (for a duplicate-key message),
   * in key order. Throws CannotIndexParallelArrays or KeyTooLong if the document cannot be indexed.
   */
  SortedMap<byte[], BsonDocument> keysOf(BsonDocument doc) {
    SortedMap<byte[], BsonDocument> keys = new TreeMap<>(Arrays::compareUnsigned);
    if (spec.sparse() && fields.stream().noneMatch(f -> FieldPath.candidates(doc, f.path()).stream().anyMatch(Optional::isPresent))) {
      return keys;
    }
    IndexTuples.Result tuples;
    try {
      tuples = IndexTuples.of(doc, paths);
    } catch (SluiceException parallel) {
      throw new SluiceException(parallel.errorCode(), parallel.reason() + " in index " + spec.name() + " of " + namespace);
    }
    if (tuples.multikey() && !multikey) {
      multikey = true;
      onFirstMultikeyDocument.run();
    }
    long totalBytes = 0;
    for (BsonValue[] tuple : tuples.tuples()) {
      byte[] key = key(tuple);
      if ((totalBytes += key.length) > MAX_DOCUMENT_KEY_BYTES) {
        throw new SluiceException(ErrorCode.KEY_TOO_LONG, "the keys of one document in index " + spec.name() + " of " + namespace
            + " are more than " + MAX_DOCUMENT_KEY_BYTES + " bytes in all (a long indexed value beside a long array?)");
      }
      // The values behind a key only name it in a duplicate-key error.
      keys.putIfAbsent(key, spec.unique() ? valuesOf(tuple) : NO_VALUES);
    }
    return keys;
  }

  /** The encoded values of one tuple, concatenated; a descending field's bytes complemented. */
  private byte[] key(BsonValue[] tuple) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < tuple.length; i++) {
      byte[] encoded = IndexKeys.encode(tuple[i]);
      out.writeBytes(fields.get(i).descending() ? IndexKeys.complement(encoded) : encoded);
    }
    if (out.size() > MAX_KEY_BYTES) {
      throw new SluiceException(ErrorCode.KEY_TOO_LONG, "key too large to index: the key of index " + spec.name() + " of "
          + namespace + " is " + out.size() + " bytes, more than " + MAX_KEY_BYTES);
    }
    return out.toByteArray();
  }

  private BsonDocument valuesOf(BsonValue[] tuple) {
    BsonDocument values = new BsonDocument();
    for (int i = 0; i < tuple.length; i++) {
      values.append(fields.get(i).path(), tuple[i]);
    }
    return values;
  }

  /** Throws DuplicateKey if the index is unique and another document already has one of these keys. */
  void checkUnique(SortedMap<byte[], BsonDocument> keys, byte[] docKey) {
    if (!spec.unique()) {
      return;
    }
    for (Map.Entry<byte[], BsonDocument> key : keys.entrySet()) {
      for (byte[] other : withPrefix(key.getKey()).values()) {
        if (!Arrays.equals(other, docKey)) {
          throw DuplicateKeyError.of(namespace, spec.name(), key.getValue());
        }
      }
    }
  }

  /** Replaces the document's old keys (empty for a new document) by its new ones (both from {@link #keysOf}, or empty). */
  void update(SortedMap<byte[], BsonDocument> oldKeys, SortedMap<byte[], BsonDocument> newKeys, byte[] docKey) {
    for (byte[] key : oldKeys.keySet()) {
      if (newKeys.isEmpty() || !newKeys.containsKey(key)) {
        entries.remove(entryKey(key, docKey));
      }
    }
    for (byte[] key : newKeys.keySet()) {
      if (oldKeys.isEmpty() || !oldKeys.containsKey(key)) {
        entries.put(entryKey(key, docKey), docKey);
      }
    }
  }

  /**
   * The storage keys of the documents whose leading field has a key in one of the ranges, in index
   * order per range, each document once.
   */
  Iterator<byte[]> documentKeys(List<KeyRanges.Range> ranges) {
    boolean descending = fields.get(0).descending();
    List<KeyRanges.Range> inIndexOrder = new ArrayList<>(ranges);
    if (descending) {
      Collections.reverse(inIndexOrder);
    }
    Iterator<byte[]> keys = Iterators.concat(Iterators.transform(inIndexOrder.iterator(), range -> entriesIn(range, descending).values().iterator()));
    if (!multikey) {
      return Iterators.unmodifiableIterator(keys);
    }
    // Only a multikey index can hold one document under several keys.
    Set<ByteBuffer> seen = new HashSet<>();
    return Iterators.filter(keys, key -> seen.add(ByteBuffer.wrap(key)));
  }

  /**
   * The entries whose leading key lies in the range (ranges from a filter, the ends included). An
   * open end stops at the edge of the other end's type bracket, the way MongoDB's comparisons do
   * ({@code $gt: 5} sees only numbers). On a multikey index a range within one bracket keeps one end
   * only (the low one), see {@link #multikey}; MinKey to MaxKey is the whole index.
   */
  private NavigableMap<byte[], byte[]> entriesIn(KeyRanges.Range range, boolean descending) {
    BsonValue lowValue = range.low();
    boolean oneBracket = lowValue != null && range.high() != null && BsonOrder.bracket(lowValue) == BsonOrder.bracket(range.high());
    BsonValue highValue = multikey && oneBracket && !range.isPoint() ? null : range.high();
    byte[] low = lowValue != null ? IndexKeys.encode(lowValue) : IndexKeys.bracketStart(highValue);
    byte[] high = highValue != null ? IndexKeys.encode(highValue) : IndexKeys.bracketStart(lowValue);
    byte[] from = descending ? IndexKeys.complement(high) : low;
    byte[] to = IndexKeys.prefixEnd(descending ? IndexKeys.complement(low) : high);
    if (to != null && Arrays.compareUnsigned(from, to) >= 0) {
      return Collections.emptyNavigableMap(); // low above high: no single value lies between
    }
    return to == null ? entries.tailMap(from, true) : entries.subMap(from, true, to, false);
  }

  private NavigableMap<byte[], byte[]> withPrefix(byte[] prefix) {
    byte[] end = IndexKeys.prefixEnd(prefix);
    return end == null ? entries.tailMap(prefix, true) : entries.subMap(prefix, true, end, false);
  }

  private static byte[] entryKey(byte[] key, byte[] docKey) {
    byte[] entry = Arrays.copyOf(key, key.length + docKey.length);
    System.arraycopy(docKey, 0, entry, key.length, docKey.length);
    return entry;
  }
}
