package io.sluice.statemachine.engine;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import java.util.Optional;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/** The array an array update operator changes: read at its path, and written back whole. */
final class ArrayField {
  private ArrayField() {}

  /** The array at the path, empty if the path is missing; BAD_VALUE naming {@code operator} if it holds something else. */
  static Optional<BsonArray> at(BsonDocument doc, String[] path, String operator) {
    return at(doc, path, operator, ErrorCode.BAD_VALUE);
  }

  /** As {@link #at(BsonDocument, String[], String)}, failing with {@code code} (MongoDB's differs by operator). */
  static Optional<BsonArray> at(BsonDocument doc, String[] path, String operator, ErrorCode code) {
    Optional<BsonValue> value = FieldPath.get(doc, String.join(".", path));
    if (value.isPresent() && !value.get().isArray()) {
      throw new SluiceException(code, "Cannot apply " + operator + " to a non-array value: the field '"
          + String.join(".", path) + "' of " + BsonValues.describeId(doc) + " has type " + BsonValues.typeName(value.get()));
    }
    return value.map(BsonValue::asArray);
  }

  /**
   * Sets the path to {@code elements} (a new array, not shared with the document) if they differ from
   * what is there; the change is recorded as the whole array.
   */
  static void replace(BsonDocument doc, String[] path, BsonArray elements, ChangeLog log) {
    FieldPath.set(doc, path, elements, log);
  }

  /** The argument's elements, copied; BAD_VALUE if it is not an array. */
  static BsonArray elementsOf(BsonValue argument, String what) {
    if (!argument.isArray()) {
      throw new SluiceException(ErrorCode.BAD_VALUE, what + " must be an array but it was of type " + BsonValues.typeName(argument));
    }
    return BsonValues.copy(argument).asArray();
  }
}
