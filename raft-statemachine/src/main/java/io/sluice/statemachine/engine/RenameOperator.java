package io.sluice.statemachine.engine;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import java.util.Optional;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * {@code $rename: {from: 'to'}}: moves the field's value to another path (removing {@code from},
 * setting {@code to}, replacing what was there); a missing {@code from} is no change. Neither path
 * may run through an array.
 */
final class RenameOperator implements UpdateOperator {
  @Override
  public void checkArgument(String path, BsonValue argument) {
    if (!argument.isString()) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "The 'to' field for $rename must be a string: " + path + ": "
          + BsonValues.render(argument));
    }
    String to = argument.asString().getValue();
    if (PositionalPaths.hasPositional(UpdatePaths.parse(path))) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "The source field for $rename may not be dynamic: " + path);
    }
    if (PositionalPaths.hasPositional(target(argument))) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "The destination field for $rename may not be dynamic: " + to);
    }
    if (to.equals(path)) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "The source and target field for $rename must differ: " + path + ": "
          + BsonValues.render(argument));
    }
    if (to.startsWith(path + ".") || path.startsWith(to + ".")) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "The source and target field for $rename must not be on the same path: "
          + path + ": " + BsonValues.render(argument));
    }
  }

  /** The target path, parsed as any update path. */
  static String[] target(BsonValue argument) {
    return UpdatePaths.parse(argument.asString().getValue());
  }

  @Override
  public void apply(BsonDocument doc, String[] path, BsonValue argument, ChangeLog log) {
    String[] to = target(argument);
    checkNoArrayOnTheWay(doc, path, "source");
    Optional<BsonValue> value = FieldPath.get(doc, String.join(".", path));
    if (value.isPresent()) {
      checkNoArrayOnTheWay(doc, to, "destination");
      FieldPath.unset(doc, path, log);
      FieldPath.set(doc, to, value.get(), log);
    }
  }

  private static void checkNoArrayOnTheWay(BsonDocument doc, String[] path, String which) {
    for (int i = 1; i <= path.length; i++) {
      Optional<BsonValue> step = FieldPath.get(doc, FieldPath.join(path, i));
      if (step.isPresent() && step.get().isArray() && i < path.length) {
        throw new SluiceException(ErrorCode.BAD_VALUE, "The " + which + " field of $rename cannot be an array element: '"
            + String.join(".", path) + "' in " + BsonValues.describeId(doc) + " runs through an array");
      }
      if (step.isEmpty()) {
        return;
      }
    }
  }
}
