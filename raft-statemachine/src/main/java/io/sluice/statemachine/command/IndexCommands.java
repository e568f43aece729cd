package io.sluice.statemachine.command;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.IndexNames;
import io.sluice.protocol.Replies;
import io.sluice.protocol.SluiceException;
import io.sluice.statemachine.storage.DocumentStore;
import io.sluice.statemachine.storage.IndexSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bson.BsonArray;
import org.bson.BsonBoolean;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonValue;

/**
 * The index commands in MongoDB's shapes: {@code createIndexes} and {@code dropIndexes} (writes, so
 * every node builds and drops the same indexes at the same log position) and {@code listIndexes} (a
 * read). The {@code _id} index is the collection itself: listed as {@code _id_}, never dropped.
 */
final class IndexCommands {
  static final String NAMES = "createIndexes and dropIndexes";
  /** MongoDB's limit, counting the {@code _id} index. */
  static final int MAX_INDEXES = 64;
  static final int MAX_FIELDS = 32;
  private static final String ID_INDEX = "_id_";
  private static final BsonDocument ID_KEY = new BsonDocument("_id", new BsonInt32(1));
  /** The {@code _id} index: the collection itself, in key order. */
  static final IndexSpec ID_INDEX_SPEC = new IndexSpec(ID_INDEX, ID_KEY, false, false);
  private static final Set<String> SPEC_FIELDS = Set.of("key", "name", "unique", "sparse", "v", "background");
  /** Options MongoDB has that Sluice does not build: refused by name rather than ignored. */
  private static final Set<String> UNSUPPORTED_OPTIONS = Set.of("partialFilterExpression", "expireAfterSeconds", "collation",
      "hidden", "weights", "default_language", "language_override", "textIndexVersion", "2dsphereIndexVersion", "bits", "min",
      "max", "wildcardProjection", "storageEngine", "clustered", "prepareUnique");

  private final DocumentStore store;

  IndexCommands(DocumentStore store) {
    this.store = store;
  }

  static boolean isIndexCommand(String name) {
    return name.equals("createIndexes") || name.equals("dropIndexes");
  }

  BsonDocument apply(CommandReader reader) {
    return reader.name().equals("createIndexes") ? create(reader) : drop(reader);
  }

  /**
   * Builds each requested index that does not exist yet, from the documents there; all or none: if
   * one cannot be built (a duplicate key in a unique index, say), those built before it are dropped.
   */
  private BsonDocument create(CommandReader reader) {
    reader.checkFields(Set.of("indexes", "commitQuorum"));
    String ns = reader.namespace();
    BsonArray requested = reader.array("indexes");
    if (requested.isEmpty()) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "Must specify at least one index to create");
    }
    List<IndexSpec> specs = new ArrayList<>();
    for (int i = 0; i < requested.size(); i++) {
      specs.add(spec(requested.get(i), "createIndexes.indexes." + i));
    }
    boolean createdCollection = !store.collectionExists(ns);
    int before = createdCollection ? 1 : 1 + store.indexes(ns).size();
    List<IndexSpec> toBuild = new ArrayList<>();
    for (IndexSpec spec : specs) {
      if (!isPresent(ns, spec, toBuild)) {
        toBuild.add(spec);
      }
    }
    if (before + toBuild.size() > MAX_INDEXES) {
      throw new SluiceException(ErrorCode.CANNOT_CREATE_INDEX, "add index fails, too many indexes for " + ns + ": "
          + before + " exist, " + toBuild.size() + " more requested, at most " + MAX_INDEXES + " allowed");
    }
    if (createdCollection) {
      store.createCollection(ns, new BsonDocument());
    }
    List<IndexSpec> built = new ArrayList<>();
    try {
      for (IndexSpec spec : toBuild) {
        store.createIndex(ns, spec);
        built.add(spec);
      }
    } catch (RuntimeException e) {
      built.forEach(spec -> store.dropIndex(ns, spec.name()));
      if (createdCollection) {
        store.dropCollection(ns);
      }
      throw e;
    }
    BsonDocument reply = Replies.ok()
        .append("createdCollectionAutomatically", BsonBoolean.valueOf(createdCollection))
        .append("numIndexesBefore", new BsonInt32(before))
        .append("numIndexesAfter", new BsonInt32(before + built.size()));
    if (built.isEmpty()) {
      reply.append("note", new BsonString("all indexes already exist"));
    }
    return reply;
  }

  /**
   * True if the index exists already (or earlier in this request) exactly as asked, which is no
   * error; an index with the same name or key but otherwise different is one.
   */
  private boolean isPresent(String ns, IndexSpec wanted, List<IndexSpec> requestedEarlier) {
    if (ID_INDEX_SPEC.sameKey(wanted.key()) && (wanted.name().equals(ID_INDEX) || wanted.name().equals(IndexNames.defaultName(ID_KEY)))) {
      return true;
    }
    List<IndexSpec> existing = new ArrayList<>(store.collectionExists(ns) ? store.indexes(ns) : List.of());
    existing.addAll(requestedEarlier);
    existing.add(ID_INDEX_SPEC);
    for (IndexSpec spec : existing) {
      boolean sameName = spec.name().equals(wanted.name());
      boolean sameKey = spec.sameKey(wanted.key());
      if (sameName && spec.sameIndexAs(wanted)) {
        return true;
      }
      if (sameName && !sameKey) {
        throw new SluiceException(ErrorCode.INDEX_KEY_SPECS_CONFLICT, "An existing index has the same name as the requested index. "
            + "Requested index: " + wanted.toBson().toJson() + ", existing index: " + spec.toBson().toJson());
      }
      if (sameName || sameKey) {
        throw new SluiceException(ErrorCode.INDEX_OPTIONS_CONFLICT, "An equivalent index already exists with "
            + (sameName ? "different options" : "a different name") + ". Requested index: " + wanted.toBson().toJson()
            + ", existing index: " + spec.toBson().toJson());
      }
    }
    return false;
  }

  private BsonDocument drop(CommandReader reader) {
    reader.checkFields(Set.of("index"));
    String ns = reader.namespace();
    if (!store.collectionExists(ns)) {
      throw new SluiceException(ErrorCode.NAMESPACE_NOT_FOUND, "ns not found " + ns);
    }
    BsonValue which = reader.document().get("index");
    if (which == null) {
      throw new SluiceException(ErrorCode.FAILED_TO_PARSE, "BSON field 'dropIndexes.index' is missing but a required field");
    }
    List<IndexSpec> existing = store.indexes(ns);
    List<String> names = new ArrayList<>();
    if (which.isString() && which.asString().getValue().equals("*")) {
      existing.forEach(spec -> names.add(spec.name()));
    } else if (which.isString()) {
      names.add(which.asString().getValue());
    } else if (which.isArray()) {
      for (BsonValue name : which.asArray()) {
        if (!name.isString()) {
          throw CommandReader.wrongType("dropIndexes.index", name, "string");
        }
        names.add(name.asString().getValue());
      }
    } else if (which.isDocument()) {
      names.add(nameOfKey(ns, which.asDocument(), existing));
    } else {
      throw CommandReader.wrongType("dropIndexes.index", which, "string, array or object");
    }
    for (String name : names) {
      if (name.equals(ID_INDEX)) {
        throw new SluiceException(ErrorCode.INVALID_OPTIONS, "cannot drop _id index");
      }
      if (existing.stream().noneMatch(spec -> spec.name().equals(name))) {
        throw new SluiceException(ErrorCode.INDEX_NOT_FOUND, "index not found with name [" + name + "] on " + ns);
      }
    }
    names.forEach(name -> store.dropIndex(ns, name));
    return Replies.ok().append("nIndexesWas", new BsonInt32(1 + existing.size()));
  }

  private static String nameOfKey(String ns, BsonDocument key, List<IndexSpec> existing) {
    if (ID_INDEX_SPEC.sameKey(key)) {
      return ID_INDEX;
    }
    return existing.stream().filter(spec -> spec.sameKey(key)).map(IndexSpec::name).findFirst()
        .orElseThrow(() -> new SluiceException(ErrorCode.INDEX_NOT_FOUND, "can't find index with key: " + key.toJson() + " on " + ns));
  }

  /** {@code listIndexes}: the {@code _id} index, then the others by name, in one batch. */
  static BsonDocument list(DocumentStore store, CommandReader reader) {
    reader.checkFields(Set.of("cursor"));
    String ns = reader.namespace();
    if (!store.collectionExists(ns)) {
      throw new SluiceException(ErrorCode.NAMESPACE_NOT_FOUND, "ns does not exist: " + ns);
    }
    BsonArray batch = new BsonArray();
    batch.add(new BsonDocument("v", new BsonInt32(2)).append("key", ID_KEY.clone()).append("name", new BsonString(ID_INDEX)));
    store.indexes(ns).forEach(spec -> batch.add(spec.toBson()));
    return Replies.ok().append("cursor", new BsonDocument("firstBatch", batch).append("id", new BsonInt64(0))
        .append("ns", new BsonString(ns)));
  }

  /** One entry of {@code createIndexes.indexes}, checked as MongoDB checks it. */
  private static IndexSpec spec(BsonValue value, String field) {
    if (!value.isDocument()) {
      throw CommandReader.wrongType(field, value, "object");
    }
    BsonDocument spec = value.asDocument();
    for (String option : spec.keySet()) {
      if (UNSUPPORTED_OPTIONS.contains(option)) {
        throw new SluiceException(ErrorCode.CANNOT_CREATE_INDEX, "the index option '" + option + "' (in " + field
            + ") is not supported by Sluice; indexes may be unique and sparse");
      }
      if (!SPEC_FIELDS.contains(option)) {
        throw new SluiceException(ErrorCode.INVALID_INDEX_SPECIFICATION_OPTION, "The field '" + option
            + "' is not valid for an index specification (" + field + ")");
      }
    }
    BsonValue key = spec.get("key");
    if (key == null || !key.isDocument()) {
      throw key == null ? new SluiceException(ErrorCode.FAILED_TO_PARSE, "The 'key' field is a required property of an index specification ("
          + field + ")") : CommandReader.wrongType(field + ".key", key, "object");
    }
    BsonDocument pattern = keyPattern(key.asDocument(), field + ".key");
    String name = nameOf(spec, pattern, field);
    boolean unique = CommandReader.booleanField(spec, field + ".unique", "unique", false);
    boolean sparse = CommandReader.booleanField(spec, field + ".sparse", "sparse", false);
    if (ID_INDEX_SPEC.sameKey(pattern) && (unique || sparse)) {
      throw new SluiceException(ErrorCode.INVALID_INDEX_SPECIFICATION_OPTION, "The _id index is always unique and never sparse; do not set "
          + (unique ? "unique" : "sparse") + " on it (" + field + ")");
    }
    return new IndexSpec(name, pattern, unique, sparse);
  }

  /** The key pattern, checked, as given (MongoDB keeps {@code {a: 2}} as it is). */
  private static BsonDocument keyPattern(BsonDocument key, String field) {
    if (key.isEmpty()) {
      throw new SluiceException(ErrorCode.CANNOT_CREATE_INDEX, "Index keys cannot be an empty field (" + field + ")");
    }
    if (key.size() > MAX_FIELDS) {
      throw new SluiceException(ErrorCode.CANNOT_CREATE_INDEX, "Index key pattern (" + field + ") has " + key.size()
          + " fields, more than the " + MAX_FIELDS + " allowed");
    }
    BsonDocument pattern = new BsonDocument();
    for (Map.Entry<String, BsonValue> e : key.entrySet()) {
      String path = e.getKey();
      if (path.isEmpty() || path.startsWith("$") || Arrays.asList(path.split("\\.", -1)).contains("") || path.indexOf('\0') >= 0) {
        throw new SluiceException(ErrorCode.CANNOT_CREATE_INDEX, "Index key field names must be field paths such as \"a.b\", "
            + "not start with '$' or have empty parts: '" + path + "' (" + field + ")");
      }
      if (Arrays.stream(path.split("\\.")).anyMatch(part -> part.chars().allMatch(Character::isDigit))) {
        // A numeric part both indexes an array and names a field, so such a path can branch at every level.
        throw new SluiceException(ErrorCode.CANNOT_CREATE_INDEX, "Sluice does not index paths with numeric parts (array positions) such as '"
            + path + "' (" + field + ")");
      }
      BsonValue direction = e.getValue();
      if (direction.isString()) {
        throw new SluiceException(ErrorCode.CANNOT_CREATE_INDEX, "Sluice builds ascending (1) and descending (-1) indexes only, not '"
            + direction.asString().getValue() + "' (" + field + "." + path + ")");
      }
      if (!direction.isNumber() || direction.asNumber().doubleValue() == 0 || Double.isNaN(direction.asNumber().doubleValue())) {
        throw new SluiceException(ErrorCode.CANNOT_CREATE_INDEX, "Values in the index key pattern must be 1 (ascending) or -1 "
            + "(descending), found " + direction + " (" + field + "." + path + ")");
      }
      pattern.append(path, direction);
    }
    return pattern;
  }

  /** The given name, or MongoDB's default ({@link IndexNames#defaultName}). */
  private static String nameOf(BsonDocument spec, BsonDocument pattern, String field) {
    BsonValue name = spec.get("name");
    if (name == null) {
      return IndexNames.defaultName(pattern);
    }
    if (!name.isString()) {
      throw CommandReader.wrongType(field + ".name", name, "string");
    }
    String value = name.asString().getValue();
    if (value.isEmpty() || value.equals("*") || value.indexOf('\0') >= 0) {
      throw new SluiceException(ErrorCode.CANNOT_CREATE_INDEX, "Index name must be a non-empty string other than '*' and without "
          + "NUL characters, found '" + value + "' (" + field + ".name)");
    }
    return value;
  }
}
