package io.sluice.statemachine.command;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.Replies;
import io.sluice.protocol.SluiceException;
import io.sluice.statemachine.changestream.ChangeRecorder;
import io.sluice.statemachine.storage.DocumentStore;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.bson.BsonBoolean;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;

/**
 * The write commands on whole collections, in MongoDB's shapes: {@code create}, {@code drop},
 * {@code collMod}, {@code renameCollection} and {@code dropDatabase}, with their change events.
 */
final class CollectionCommands {
  static final String NAMES = "create, drop, collMod, renameCollection and dropDatabase";
  private static final String IMAGES = "changeStreamPreAndPostImages";

  private final DocumentStore store;

  CollectionCommands(DocumentStore store) {
    this.store = store;
  }

  static boolean isCollectionCommand(String name) {
    return switch (name) {
      case "create", "drop", "collMod", "renameCollection", "dropDatabase" -> true;
      default -> false;
    };
  }

  /** Whether the collection keeps pre- and post-images for change streams. */
  static boolean keepsImages(DocumentStore store, String ns) {
    return store.collectionOptions(ns).map(o -> o.getDocument(IMAGES, new BsonDocument()).getBoolean("enabled", BsonBoolean.FALSE).getValue())
        .orElse(false);
  }

  BsonDocument apply(CommandReader reader, ChangeRecorder changes) {
    return switch (reader.name()) {
      case "create" -> create(reader);
      case "drop" -> drop(reader, changes);
      case "collMod" -> collMod(reader);
      case "renameCollection" -> rename(reader, changes);
      case "dropDatabase" -> dropDatabase(reader, changes);
      default -> throw new IllegalArgumentException("not a collection command: " + reader.name());
    };
  }

  private BsonDocument create(CommandReader reader) {
    reader.checkFields(Set.of(IMAGES));
    String ns = reader.namespace();
    if (store.collectionExists(ns)) {
      throw new SluiceException(ErrorCode.NAMESPACE_EXISTS, "Collection " + ns + " already exists.");
    }
    BsonDocument options = new BsonDocument();
    imagesOption(reader).ifPresent(enabled -> options.append(IMAGES, new BsonDocument("enabled", BsonBoolean.valueOf(enabled))));
    store.createCollection(ns, options);
    return Replies.ok();
  }

  private BsonDocument drop(CommandReader reader, ChangeRecorder changes) {
    reader.checkFields(Set.of());
    String ns = reader.namespace();
    boolean existed = store.collectionExists(ns);
    BsonDocument reply = Replies.ok().append("ns", new BsonString(ns));
    // Like MongoDB 7+, dropping a collection that does not exist succeeds (and changes nothing).
    if (existed) {
      int indexes = 1 + store.indexes(ns).size();
      store.dropCollection(ns);
      changes.drop(ns);
      reply.append("nIndexesWas", new BsonInt32(indexes));
    }
    return reply;
  }

  private BsonDocument collMod(CommandReader reader) {
    reader.checkFields(Set.of(IMAGES));
    String ns = reader.namespace();
    BsonDocument options = store.collectionOptions(ns).orElseThrow(() ->
        new SluiceException(ErrorCode.NAMESPACE_NOT_FOUND, "ns does not exist: " + ns));
    BsonDocument updated = options.clone();
    imagesOption(reader).ifPresent(enabled -> updated.put(IMAGES, new BsonDocument("enabled", BsonBoolean.valueOf(enabled))));
    store.createCollection(ns, updated);
    return Replies.ok();
  }

  private BsonDocument rename(CommandReader reader, ChangeRecorder changes) {
    reader.checkFields(Set.of("to", "dropTarget"));
    String from = qualified(reader.string("renameCollection"), "renameCollection");
    String to = qualified(reader.string("to"), "to");
    if (from.equals(to)) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "Can't rename a collection to itself: " + from);
    }
    BsonDocument options = store.collectionOptions(from).orElseThrow(() ->
        new SluiceException(ErrorCode.NAMESPACE_NOT_FOUND, "Source collection " + from + " does not exist"));
    if (store.collectionExists(to)) {
      if (!reader.booleanOr("dropTarget", false)) {
        throw new SluiceException(ErrorCode.NAMESPACE_EXISTS, "Target collection " + to + " exists; pass dropTarget: true to replace it");
      }
      store.dropCollection(to);
      changes.drop(to);
    }
    store.createCollection(to, options);
    store.indexes(from).forEach(spec -> store.createIndex(to, spec));
    for (Iterator<BsonDocument> it = store.scan(from); it.hasNext(); ) {
      store.put(to, it.next());
    }
    store.dropCollection(from);
    changes.rename(from, to);
    return Replies.ok();
  }

  private BsonDocument dropDatabase(CommandReader reader, ChangeRecorder changes) {
    reader.checkFields(Set.of());
    String db = reader.database();
    List<String> dropped = new ArrayList<>();
    for (String ns : store.collections().keySet()) {
      if (Namespaces.database(ns).equals(db)) {
        dropped.add(ns);
      }
    }
    for (String ns : dropped) {
      store.dropCollection(ns);
      changes.drop(ns);
    }
    changes.dropDatabase(db);
    return Replies.ok().append("dropped", new BsonString(db));
  }

  private static java.util.Optional<Boolean> imagesOption(CommandReader reader) {
    BsonDocument images = reader.documentOr(IMAGES, null);
    return images == null ? java.util.Optional.empty()
        : java.util.Optional.of(CommandReader.booleanField(images, reader.name() + "." + IMAGES + ".enabled", "enabled", false));
  }

  /** A full {@code db.coll} name as renameCollection takes it, checked. */
  private static String qualified(String namespace, String field) {
    int dot = namespace.indexOf('.');
    if (dot <= 0) {
      throw new SluiceException(ErrorCode.INVALID_NAMESPACE, "renameCollection." + field + " must be a full namespace 'db.collection', got '"
          + namespace + "'");
    }
    return Namespaces.of(namespace.substring(0, dot), namespace.substring(dot + 1));
  }
}
