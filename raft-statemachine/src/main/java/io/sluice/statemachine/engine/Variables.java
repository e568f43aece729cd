package io.sluice.statemachine.engine;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * The variables an expression is evaluated with: {@code $$ROOT} (also {@code $$CURRENT}, which this
 * engine never rebinds) and the user variables bound by {@code $map}, {@code $filter},
 * {@code $reduce} and {@code $let}, as an immutable chain (innermost binding first). A bound value may
 * be {@code null}, meaning missing. Also resolves field paths with MongoDB's aggregation rules.
 */
final class Variables {
  private final BsonDocument root;
  private final Variables parent;
  private final String name;
  private final BsonValue value;

  private Variables(BsonDocument root, Variables parent, String name, BsonValue value) {
    this.root = root;
    this.parent = parent;
    this.name = name;
    this.value = value;
  }

  static Variables of(BsonDocument root) {
    return new Variables(root, null, null, null);
  }

  BsonDocument root() {
    return root;
  }

  /** A scope in which {@code name} is {@code value} ({@code null} for missing), shadowing outer bindings. */
  Variables bind(String name, BsonValue value) {
    return new Variables(root, this, name, value);
  }

  /** The innermost binding of the user variable; the parser has checked that it is in scope. */
  BsonValue get(String wanted) {
    for (Variables v = this; v != null; v = v.parent) {
      if (wanted.equals(v.name)) {
        return v.value;
      }
    }
    throw new IllegalStateException("variable not bound at runtime: " + wanted);
  }

  /**
   * The value at {@code parts} below {@code base}, as MongoDB's aggregation field paths see it: a
   * document descends into the named field; an array gives the array of what each of its document
   * elements gives (elements that are not documents, and elements where the rest is missing, are
   * left out; numeric components are field names, never indexes); anything else is missing.
   */
  static BsonValue resolve(BsonValue base, String[] parts) {
    return resolve(base, parts, 0);
  }

  private static BsonValue resolve(BsonValue current, String[] parts, int i) {
    if (current == null || i == parts.length) {
      return current;
    }
    if (current.isDocument()) {
      return resolve(current.asDocument().get(parts[i]), parts, i + 1);
    }
    if (current.isArray()) {
      BsonArray out = new BsonArray();
      for (BsonValue element : current.asArray()) {
        if (element.isDocument()) {
          BsonValue found = resolve(element, parts, i);
          if (found != null) {
            out.add(found);
          }
        }
      }
      return out;
    }
    return null;
  }

  /**
   * Checks a name a user variable is bound to ({@code as}, {@code $let}): it must start with a
   * lower-case ASCII letter or a non-ASCII character and hold only letters, digits and underscores.
   */
  static String checkUserName(String name, String operator) {
    if (name.isEmpty()) {
      throw new SluiceException(ErrorCode.BAD_VALUE, operator + ": empty variable names are not allowed");
    }
    char first = name.charAt(0);
    if (!((first >= 'a' && first <= 'z') || first > 127)) {
      throw new SluiceException(ErrorCode.BAD_VALUE, operator + ": '" + name
          + "' starts with an invalid character for a user variable name");
    }
    for (int i = 1; i < name.length(); i++) {
      char c = name.charAt(i);
      if (!(Character.isLetterOrDigit(c) || c == '_' || c > 127)) {
        throw new SluiceException(ErrorCode.BAD_VALUE, operator + ": '" + name
            + "' contains an invalid character for a variable name: '" + c + "'");
      }
    }
    return name;
  }
}
