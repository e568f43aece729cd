package io.sluice.statemachine.command;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import java.util.Set;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * Typed access to the fields of one command document, with MongoDB-style messages that name the
 * command and field when something is missing or of the wrong type.
 */
final class CommandReader {
  /** Fields that every command may carry and that Sluice accepts and ignores. */
  private static final Set<String> GENERIC_FIELDS = Set.of("$db", "comment", "maxTimeMS", "writeConcern", "readConcern", "lsid", "txnNumber", "$readPreference");

  private final String name;
  private final BsonDocument command;

  CommandReader(BsonDocument command) {
    if (command.isEmpty()) {
      throw new SluiceException(ErrorCode.FAILED_TO_PARSE, "empty command document");
    }
    this.command = command;
    this.name = command.getFirstKey();
  }

  String name() {
    return name;
  }

  BsonDocument document() {
    return command;
  }

  /** The target collection, {@code db.coll}, from the command's first field and {@code $db}. */
  String namespace() {
    return Namespaces.of(database(), string(name));
  }

  String database() {
    if (!command.containsKey("$db")) {
      throw new SluiceException(ErrorCode.FAILED_TO_PARSE, "the command '" + name + "' is missing the required field '$db' (the database name)");
    }
    return Namespaces.checkDatabase(string("$db"));
  }

  String string(String field) {
    BsonValue value = required(field);
    if (!value.isString()) {
      throw fieldOfWrongType(field, value, "string");
    }
    return value.asString().getValue();
  }

  BsonArray array(String field) {
    BsonValue value = required(field);
    if (!value.isArray()) {
      throw fieldOfWrongType(field, value, "array");
    }
    return value.asArray();
  }

  BsonDocument documentOr(String field, BsonDocument fallback) {
    BsonValue value = command.get(field);
    if (value == null || value.isNull()) {
      return fallback;
    }
    if (!value.isDocument()) {
      throw fieldOfWrongType(field, value, "object");
    }
    return value.asDocument();
  }

  boolean booleanOr(String field, boolean fallback) {
    return booleanField(command, name + "." + field, field, fallback);
  }

  long longOr(String field, long fallback) {
    BsonValue value = command.get(field);
    if (value == null || value.isNull()) {
      return fallback;
    }
    if (!value.isNumber()) {
      throw fieldOfWrongType(field, value, "long");
    }
    return value.asNumber().longValue();
  }

  /** Rejects any field this command does not know, like MongoDB's IDL parser does, and any collation but the simple one. */
  void checkFields(Set<String> allowed) {
    for (String field : command.keySet()) {
      if (!field.equals(name) && !allowed.contains(field) && !GENERIC_FIELDS.contains(field)) {
        throw new SluiceException(ErrorCode.UNKNOWN_FIELD, "BSON field '" + name + "." + field + "' is an unknown field.");
      }
    }
    checkSimpleCollation(command, name);
  }

  /**
   * Accepts a {@code collation} (of a command or a statement) only as {@code {locale: "simple"}}:
   * Sluice compares strings by code point, and a collation it ignored would change what matches.
   */
  static void checkSimpleCollation(BsonDocument holder, String where) {
    BsonValue collation = holder.get("collation");
    if (collation != null && !collation.equals(new BsonDocument("locale", new org.bson.BsonString("simple")))) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "BSON field '" + where + ".collation': only the simple collation "
          + "{locale: \"simple\"} (binary comparison) is supported, found " + collation.toString());
    }
  }

  private BsonValue required(String field) {
    BsonValue value = command.get(field);
    if (value == null) {
      throw new SluiceException(ErrorCode.FAILED_TO_PARSE, "BSON field '" + name + "." + field + "' is missing but a required field");
    }
    return value;
  }

  private SluiceException fieldOfWrongType(String field, BsonValue value, String expected) {
    return wrongType(name + "." + field, value, expected);
  }

  static SluiceException wrongType(String qualifiedField, BsonValue value, String expected) {
    return new SluiceException(ErrorCode.TYPE_MISMATCH, "BSON field '" + qualifiedField + "' is the wrong type '"
        + value.getBsonType().name().toLowerCase() + "', expected type '" + expected + "'");
  }

  /** A boolean option inside any document (a statement of update or delete included). */
  static boolean booleanField(BsonDocument doc, String qualifiedField, String field, boolean fallback) {
    BsonValue value = doc.get(field);
    if (value == null || value.isNull()) {
      return fallback;
    }
    if (value.isBoolean()) {
      return value.asBoolean().getValue();
    }
    if (value.isNumber()) {
      return value.asNumber().doubleValue() != 0;
    }
    throw wrongType(qualifiedField, value, "bool");
  }
}
