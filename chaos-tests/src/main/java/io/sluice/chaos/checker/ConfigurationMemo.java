package io.sluice.chaos.checker;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The configurations a linearizability search has explored. A configuration is the set of required
 * operations linearized (kept as a 128-bit fingerprint), the register's value, and the set of
 * optional operations linearized. An optional operation may always be left out, so a configuration
 * that linearized more optional operations can do nothing that one with fewer cannot: for each
 * (required set, value) only the minimal optional sets are kept, and a configuration is new only
 * if none of them is a subset of its own.
 *
 * <p>Fingerprints, as in explicit-state model checkers: two distinct required sets could share
 * one; at 128 bits and millions of configurations the odds are below 2^-80.
 */
final class ConfigurationMemo {
  private record Key(long high, long low, Long state) {}

  private final Map<Key, List<long[]>> minimalSets = new HashMap<>();
  private int explored;

  /** How many configurations were new when added: the work done, whether or not they are still kept. */
  int explored() {
    return explored;
  }

  /** Records a configuration; false if it is subsumed by one explored before. */
  boolean add(long high, long low, Long state, long[] optional) {
    List<long[]> minimal = minimalSets.computeIfAbsent(new Key(high, low, state), k -> new ArrayList<>(1));
    for (long[] known : minimal) {
      if (subset(known, optional)) {
        return false;
      }
    }
    minimal.removeIf(known -> subset(optional, known));
    minimal.add(optional.clone());
    explored++;
    return true;
  }

  private static boolean subset(long[] small, long[] large) {
    for (int i = 0; i < small.length; i++) {
      if ((small[i] & ~large[i]) != 0) {
        return false;
      }
    }
    return true;
  }
}
