package io.sluice.statemachine.engine;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonNull;
import org.bson.BsonValue;

/**
 * A sort specification such as {@code {a: 1, "b.c": -1}}, compared with {@link BsonOrder}. A missing
 * field sorts as null; an array sorts by its smallest element ascending and its largest descending;
 * an empty array sorts before null. Ties fall to the next key, and equal documents compare as 0, so a
 * stable sort (List.sort) keeps their input order.
 */
public final class SortSpec {
  private record Key(String path, boolean ascending) {}

  /** Marks "an empty array" among sort keys; compared by identity, never returned. */
  private static final BsonArray EMPTY_ARRAY = new BsonArray();

  private final List<Key> keys;

  private SortSpec(List<Key> keys) {
    this.keys = keys;
  }

  /** Compiles a sort spec; each value must be 1 or -1 (BAD_VALUE otherwise). */
  public static SortSpec compile(BsonDocument spec) {
    List<Key> keys = new ArrayList<>();
    for (Map.Entry<String, BsonValue> e : spec.entrySet()) {
      String path = e.getKey();
      if (path.startsWith("$") || java.util.Arrays.asList(FieldPath.split(path)).contains("")) {
        throw new SluiceException(ErrorCode.BAD_VALUE, "$sort key '" + path + "' is not a valid field path");
      }
      keys.add(new Key(path, direction(e.getValue())));
    }
    return new SortSpec(List.copyOf(keys));
  }

  private static boolean direction(BsonValue value) {
    if (BsonValues.isNumber(value) && !BsonOrder.isNaN(value)) {
      int sign = BsonOrder.compare(value, new org.bson.BsonInt32(0));
      if (sign != 0 && BsonOrder.equal(value, new org.bson.BsonInt32(sign))) {
        return sign > 0;
      }
    }
    throw new SluiceException(ErrorCode.BAD_VALUE, "$sort key ordering must be 1 (for ascending) or -1 (for descending)");
  }

  /** Orders documents by the keys in turn; documents equal on every key compare as 0. */
  public Comparator<BsonDocument> comparator() {
    return (a, b) -> {
      for (Key key : keys) {
        int c = compareKeys(sortKey(a, key), sortKey(b, key));
        if (c != 0) {
          return key.ascending() ? c : -c;
        }
      }
      return 0;
    };
  }

  /** The value the document sorts by for this key: the smallest (ascending) or largest (descending) candidate. */
  private static BsonValue sortKey(BsonDocument doc, Key key) {
    BsonValue best = null;
    for (Optional<BsonValue> candidate : FieldPath.candidates(doc, key.path(), FieldPath.LeafArrays.KEEP)) {
      BsonValue value = candidate.orElse(BsonNull.VALUE);
      if (value.isArray()) {
        BsonArray array = value.asArray();
        if (array.isEmpty()) {
          best = better(best, EMPTY_ARRAY, key.ascending());
        }
        for (BsonValue element : array) {
          best = better(best, element, key.ascending());
        }
      } else {
        best = better(best, value, key.ascending());
      }
    }
    return best == null ? BsonNull.VALUE : best;
  }

  private static BsonValue better(BsonValue best, BsonValue value, boolean ascending) {
    if (best == null) {
      return value;
    }
    int c = compareKeys(value, best);
    return (ascending ? c < 0 : c > 0) ? value : best;
  }

  /** BsonOrder, except that the empty-array marker sorts after MinKey and before everything else. */
  private static int compareKeys(BsonValue a, BsonValue b) {
    if (a == EMPTY_ARRAY || b == EMPTY_ARRAY) {
      if (a == b) {
        return 0;
      }
      BsonValue other = a == EMPTY_ARRAY ? b : a;
      int emptyFirst = other.getBsonType() == org.bson.BsonType.MIN_KEY ? 1 : -1;
      return a == EMPTY_ARRAY ? emptyFirst : -emptyFirst;
    }
    return BsonOrder.compare(a, b);
  }
}
