package io.sluice.statemachine.changestream;

import io.sluice.statemachine.storage.DocumentKeys;
import java.util.Optional;
import org.bson.BsonString;
import org.bson.BsonValue;

/**
 * A value as {@code $match} equality sees it, for hashing: 1, 1L, 1.0 and 1.00 have one key, "1" another
 * (the canonical form documents' {@code _id}s are stored by, a symbol as its string).
 * Only numbers, strings, object ids, booleans and dates have keys; a value of any other kind (null,
 * documents, arrays, regular expressions...) never equals one of these.
 */
record EqualityKey(BsonValue value) {

  static Optional<EqualityKey> of(BsonValue value) {
    return switch (value.getBsonType()) {
      case INT32, INT64, DOUBLE, DECIMAL128, STRING, OBJECT_ID, BOOLEAN, DATE_TIME ->
          Optional.of(new EqualityKey(DocumentKeys.canonical(value)));
      case SYMBOL -> Optional.of(new EqualityKey(new BsonString(value.asSymbol().getSymbol())));
      default -> Optional.empty();
    };
  }
}
