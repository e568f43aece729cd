package io.sluice.statemachine.command;

import com.google.common.base.CharMatcher;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;

/** Database and collection names, checked with MongoDB's rules. */
public final class Namespaces {
  private Namespaces() {}

  private static final int MAX_NAMESPACE_BYTES = 255;
  private static final CharMatcher NOT_IN_DATABASE_NAMES = CharMatcher.anyOf("/\\. \"$\0");

  public static String of(String database, String collection) {
    checkDatabase(database);
    if (collection.isEmpty() || collection.indexOf('\0') >= 0 || collection.startsWith("$") || collection.startsWith(".")) {
      throw new SluiceException(ErrorCode.INVALID_NAMESPACE, "Invalid collection name: '" + collection + "'");
    }
    String namespace = database + "." + collection;
    if (namespace.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_NAMESPACE_BYTES) {
      throw new SluiceException(ErrorCode.INVALID_NAMESPACE, "Fully qualified namespace is too long. Namespace: " + namespace
          + " Max: " + MAX_NAMESPACE_BYTES);
    }
    return namespace;
  }

  static String checkDatabase(String database) {
    if (database.isEmpty() || database.length() > 63 || NOT_IN_DATABASE_NAMES.matchesAnyOf(database)) {
      throw new SluiceException(ErrorCode.INVALID_NAMESPACE, "Invalid database name: '" + database + "'");
    }
    return database;
  }

  /** The database part of {@code db.coll}. */
  public static String database(String namespace) {
    return namespace.substring(0, namespace.indexOf('.'));
  }

  /** The collection part of {@code db.coll}. */
  public static String collection(String namespace) {
    return namespace.substring(namespace.indexOf('.') + 1);
  }
}
