package io.sluice.client;

import java.util.Collection;
import java.util.Iterator;
import java.util.List;

/** The results of a read being built; the read runs each time they are asked for. */
public abstract class ResultIterable<T> implements Iterable<T> {
  ResultIterable() {}

  /** Sends the read and returns its results. */
  abstract List<T> run();

  /** The first result, or null if there is none. */
  public T first() {
    List<T> results = run();
    return results.isEmpty() ? null : results.get(0);
  }

  public <C extends Collection<? super T>> C into(C target) {
    target.addAll(run());
    return target;
  }

  @Override
  public Iterator<T> iterator() {
    return run().iterator();
  }
}
