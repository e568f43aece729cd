package io.sluice.protocol;

import org.bson.BsonDocument;
import org.bson.BsonInt64;

/**
 * The place of a log entry in the replicated log: its Raft term and index. It is the identity of a
 * write everywhere: returned to the writer, used for read-your-writes, and the core of resume tokens.
 * Positions order by index; the term only tells two histories apart.
 */
public record Position(long term, long index) implements Comparable<Position> {

  /** Before the first entry of any log. */
  public static final Position ZERO = new Position(0, 0);

  public Position {
    if (term < 0 || index < 0) {
      throw new IllegalArgumentException("a position needs a non-negative term and index, got " + term + ":" + index);
    }
  }

  @Override
  public int compareTo(Position other) {
    return Long.compare(index, other.index);
  }

  /** The reply-document form, {@code {term: long, index: long}}. */
  public BsonDocument toBson() {
    return new BsonDocument("term", new BsonInt64(term)).append("index", new BsonInt64(index));
  }

  public static Position fromBson(BsonDocument doc) {
    return new Position(doc.getNumber("term").longValue(), doc.getNumber("index").longValue());
  }

  @Override
  public String toString() {
    return term + ":" + index;
  }
}
