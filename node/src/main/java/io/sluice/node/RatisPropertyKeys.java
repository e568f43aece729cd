package io.sluice.node;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.trace.TraceConfigKeys;

/**
 * The property keys Ratis reads: every {@code *_KEY} constant of its config-key classes and their
 * nested ones. Ratis ignores a key it does not know, so a misspelt {@code raftProperties} entry would
 * change nothing without a word; the node refuses it instead, naming the closest key.
 */
final class RatisPropertyKeys {
  private static final List<Class<?>> KEY_CLASSES = List.of(RaftConfigKeys.class, RaftClientConfigKeys.class,
      RaftServerConfigKeys.class, GrpcConfigKeys.class, TraceConfigKeys.class);
  private static final SortedSet<String> KNOWN = collect();

  private RatisPropertyKeys() {
  }

  static boolean isKnown(String key) {
    return KNOWN.contains(key);
  }

  /** The known key nearest to {@code key} in edit distance, if it is near enough to be a misspelling of it. */
  static Optional<String> closest(String key) {
    String nearest = KNOWN.stream().min(Comparator.comparingInt(known -> editDistance(key, known))).orElseThrow();
    return editDistance(key, nearest) <= Math.max(3, key.length() / 4) ? Optional.of(nearest) : Optional.empty();
  }

  private static SortedSet<String> collect() {
    SortedSet<String> keys = new TreeSet<>();
    KEY_CLASSES.forEach(c -> collect(c, keys));
    return keys;
  }

  private static void collect(Class<?> keyClass, SortedSet<String> keys) {
    for (Field field : keyClass.getFields()) {
      if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class && field.getName().endsWith("_KEY")) {
        constant(field).ifPresent(keys::add);
      }
    }
    for (Class<?> nested : keyClass.getClasses()) {
      collect(nested, keys);
    }
  }

  private static Optional<String> constant(Field field) {
    try {
      return Optional.ofNullable((String) field.get(null));
    } catch (IllegalAccessException e) {
      // A key left out would refuse a setting Ratis reads: better not to start.
      throw new IllegalStateException("cannot read Ratis' config key " + field, e);
    }
  }

  private static int editDistance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
