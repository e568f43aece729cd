package io.sluice.statemachine.engine;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * A compiled update: a replacement document, or operators ({@code $set $unset $inc $mul $min $max
 * $push $addToSet $pop $pull $pullAll $rename $setOnInsert}, registered in {@link #OPERATORS}, and
 * {@code $currentDate}) on paths that may hold positional components ({@code $ $[] $[<id>]}, see
 * {@link PositionalPaths}). Applying never changes the original; it returns a new document. Operator
 * paths are applied in MongoDB's order ({@link UpdatePaths#ORDER}), so new fields are appended in it.
 */
public final class Update {
  /** Looked up by name only; the names are listed sorted in messages. */
  private static final Map<String, UpdateOperator> OPERATORS = Map.ofEntries(
      Map.entry("$set", new SetOperator()),
      Map.entry("$unset", new UnsetOperator()),
      Map.entry("$inc", new IncOperator()),
      Map.entry("$mul", new MulOperator()),
      Map.entry("$min", MinMaxOperator.min()),
      Map.entry("$max", MinMaxOperator.max()),
      Map.entry("$push", new PushOperator()),
      Map.entry("$addToSet", new AddToSetOperator()),
      Map.entry("$pop", new PopOperator()),
      Map.entry("$pull", PullOperator.pull()),
      Map.entry("$pullAll", PullOperator.pullAll()),
      Map.entry("$rename", new RenameOperator()),
      Map.entry("$setOnInsert", new SetOnInsertOperator()));
  /** Compiled into a {@code $set} of the entry's time; see {@link CurrentDateOperator}. */
  private static final String CURRENT_DATE = "$currentDate";
  private static final UpdateOperator SET = OPERATORS.get("$set");

  private static final String ID = "_id";

  /**
   * What an update did: the new document, whether it differs from the original at all, and the
   * change in the shape of a change event's updateDescription (dotted paths set to new values, dotted
   * paths removed; both empty for a replacement).
   */
  public record UpdateOutcome(BsonDocument after, boolean modified, BsonDocument updatedFields, List<String> removedFields) {
    public UpdateOutcome {
      removedFields = List.copyOf(removedFields);
    }
  }

  private record Modification(String[] path, UpdateOperator operator, BsonValue argument, UpdateOperator.Action action) {
    boolean positional() {
      return PositionalPaths.hasPositional(path);
    }

    /** The paths this modification writes: its own and, for {@code $rename}, the target. */
    List<String[]> touched() {
      return operator instanceof RenameOperator ? List.of(path, RenameOperator.target(argument)) : List.<String[]>of(path);
    }
  }

  private final BsonDocument replacement;
  private final List<Modification> modifications;
  private final ArrayFilters arrayFilters;
  private final boolean positional;

  private Update(BsonDocument replacement, List<Modification> modifications, ArrayFilters arrayFilters) {
    this.replacement = replacement;
    this.modifications = modifications;
    this.arrayFilters = arrayFilters;
    this.positional = modifications.stream().anyMatch(Modification::positional);
  }

  /** Compiles an update without {@code $currentDate} or array filters; see {@link #compile(BsonDocument, EntryTime, ArrayFilters)}. */
  public static Update compile(BsonDocument u) {
    return compile(u, null, ArrayFilters.NONE);
  }

  /**
   * Compiles an update document of the entry stamped {@code time} (what {@code $currentDate} sets),
   * whose {@code $[<id>]} paths take the elements {@code arrayFilters} pick; throws FAILED_TO_PARSE,
   * TYPE_MISMATCH, BAD_VALUE or CONFLICTING_UPDATE_OPERATORS. Every array filter must be used.
   */
  public static Update compile(BsonDocument u, EntryTime time, ArrayFilters arrayFilters) {
    String operator = null;
    String plain = null;
    for (String key : u.keySet()) {
      if (key.startsWith("$")) {
        operator = operator == null ? key : operator;
      } else {
        plain = plain == null ? key : plain;
      }
    }
    if (operator != null && plain != null) {
      throw new SluiceException(ErrorCode.FAILED_TO_PARSE, "An update document holds either only update operators or only "
          + "replacement fields, but this one has both '" + operator + "' and '" + plain + "'");
    }
    if (operator == null) {
      checkAllUsed(arrayFilters, new TreeSet<>(), u);
      return new Update(BsonValues.copy(u), List.of(), arrayFilters);
    }
    List<Modification> modifications = new ArrayList<>();
    List<String[]> touched = new ArrayList<>();
    TreeSet<String> usedIdentifiers = new TreeSet<>();
    for (Map.Entry<String, BsonValue> e : u.entrySet()) {
      UpdateOperator op = e.getKey().equals(CURRENT_DATE) ? SET : OPERATORS.get(e.getKey());
      if (op == null) {
        TreeSet<String> known = new TreeSet<>(OPERATORS.keySet());
        known.add(CURRENT_DATE);
        throw new SluiceException(ErrorCode.FAILED_TO_PARSE, "Unknown modifier: " + e.getKey()
            + ". Expected one of " + String.join(", ", known));
      }
      if (!e.getValue().isDocument()) {
        throw new SluiceException(ErrorCode.FAILED_TO_PARSE, "Modifiers operate on fields but we found type "
            + BsonValues.typeName(e.getValue()) + " instead. For example: {$mod: {<field>: ...}} not {" + e.getKey()
            + ": " + BsonValues.render(e.getValue()) + "}");
      }
      for (Map.Entry<String, BsonValue> field : e.getValue().asDocument().entrySet()) {
        String[] path = UpdatePaths.parse(field.getKey());
        usedIdentifiers.addAll(identifiers(field.getKey(), path, arrayFilters));
        BsonValue argument = field.getValue();
        if (e.getKey().equals(CURRENT_DATE)) {
          argument = CurrentDateOperator.valueAt(field.getKey(), argument, Objects.requireNonNull(time,
              "$currentDate needs the time of the entry the update belongs to"));
        }
        BsonValue kept = BsonValues.copy(argument);
        Modification modification = new Modification(path, op, kept, op.prepare(field.getKey(), kept));
        modifications.add(modification);
        touched.addAll(modification.touched());
      }
    }
    checkAllUsed(arrayFilters, usedIdentifiers, u);
    modifications.sort((a, b) -> UpdatePaths.ORDER.compare(a.path(), b.path()));
    UpdatePaths.checkNoConflicts(touched);
    return new Update(null, List.copyOf(modifications), arrayFilters);
  }

  /** The identifiers of the path's {@code $[<id>]} components; each must have an array filter. */
  private static List<String> identifiers(String pathText, String[] path, ArrayFilters arrayFilters) {
    List<String> identifiers = new ArrayList<>();
    for (String part : path) {
      String identifier = PositionalPaths.isPositional(part) ? PositionalPaths.identifier(part) : null;
      if (identifier != null) {
        if (!arrayFilters.has(identifier)) {
          throw new SluiceException(ErrorCode.BAD_VALUE, "No array filter found for identifier '" + identifier + "' in path '"
              + pathText + "'");
        }
        identifiers.add(identifier);
      }
    }
    return identifiers;
  }

  private static void checkAllUsed(ArrayFilters arrayFilters, TreeSet<String> used, BsonDocument u) {
    for (String identifier : new TreeSet<>(arrayFilters.identifiers())) {
      if (!used.contains(identifier)) {
        throw new SluiceException(ErrorCode.FAILED_TO_PARSE, "The array filter for identifier '" + identifier
            + "' was not used in the update " + BsonValues.render(u));
      }
    }
  }

  public boolean isReplacement() {
    return replacement != null;
  }

  /** Applies an update without the positional {@code $}; see {@link #apply(BsonDocument, BsonDocument)}. */
  public UpdateOutcome apply(BsonDocument original) {
    return apply(original, new BsonDocument());
  }

  /**
   * Applies the update to a copy of the original, which {@code query} matched (it locates the
   * positional {@code $}); throws IMMUTABLE_FIELD if {@code _id} would change.
   */
  public UpdateOutcome apply(BsonDocument original, BsonDocument query) {
    if (isReplacement()) {
      BsonDocument after = replaceKeepingId(original.get(ID));
      return new UpdateOutcome(after, !BsonValues.identical(original, after), new BsonDocument(), List.of());
    }
    BsonDocument after = BsonValues.copy(original);
    ChangeLog log = ChangeLog.recording();
    applyOperators(after, log, new PositionalPaths.Context(query, arrayFilters, false));
    BsonValue id = original.get(ID);
    if (id != null && (!after.containsKey(ID) || !BsonValues.identical(id, after.get(ID)))) {
      throw immutableId();
    }
    boolean modified = !BsonValues.identical(original, after);
    return modified ? new UpdateOutcome(after, true, log.updatedFields(), log.removedFields())
        : new UpdateOutcome(after, false, new BsonDocument(), List.of());
  }

  /**
   * The document an upsert inserts when the filter matched nothing: the filter's equality fields with
   * the operators applied (for a replacement: the replacement plus the filter's {@code _id}), with
   * {@code _id} first; {@code generatedIdIfMissing} is used only if there is still no {@code _id}.
   */
  public BsonDocument applyForUpsert(BsonDocument filterDoc, BsonValue generatedIdIfMissing) {
    BsonDocument seed = UpsertSeed.of(filterDoc);
    BsonValue filterId = seed.get(ID);
    BsonDocument doc;
    if (isReplacement()) {
      doc = replaceKeepingId(filterId);
    } else {
      doc = seed;
      applyOperators(doc, ChangeLog.DISCARD, new PositionalPaths.Context(filterDoc, arrayFilters, true));
      if (filterId != null && (!doc.containsKey(ID) || !BsonValues.identical(filterId, doc.get(ID)))) {
        throw immutableId();
      }
    }
    BsonValue id = doc.get(ID);
    if (id == null) {
      id = Objects.requireNonNull(generatedIdIfMissing, "the upsert document has no _id and none was given");
    }
    BsonDocument result = new BsonDocument(ID, BsonValues.copy(id));
    for (Map.Entry<String, BsonValue> e : doc.entrySet()) {
      if (!e.getKey().equals(ID)) {
        result.put(e.getKey(), e.getValue());
      }
    }
    return result;
  }

  private void applyOperators(BsonDocument doc, ChangeLog log, PositionalPaths.Context context) {
    for (Modification m : positional ? resolve(doc, context) : modifications) {
      if (context.inserting() || !m.operator().onInsertOnly()) {
        m.action().apply(doc, m.path(), log);
      }
    }
  }

  /**
   * The modifications with every positional path replaced by the concrete paths it stands for in
   * {@code doc} (before any is applied), in MongoDB's order. No two of them write the same place:
   * paths that could were refused at compile time ({@link UpdatePaths#checkNoConflicts}).
   */
  private List<Modification> resolve(BsonDocument doc, PositionalPaths.Context context) {
    List<Modification> concrete = new ArrayList<>();
    for (Modification m : modifications) {
      if (m.positional()) {
        PositionalPaths.resolve(doc, m.path(), context).forEach(path -> concrete.add(new Modification(path, m.operator(), m.argument(), m.action())));
      } else {
        concrete.add(m);
      }
    }
    concrete.sort((a, b) -> UpdatePaths.ORDER.compare(a.path(), b.path()));
    return concrete;
  }

  /**
   * The replacement with {@code id} (when not null) as its first field. The replacement may repeat the
   * id, as a value that compares equal (1 for 1.0); any other {@code _id} is an IMMUTABLE_FIELD error.
   */
  private BsonDocument replaceKeepingId(BsonValue id) {
    BsonValue replacementId = replacement.get(ID);
    if (id != null && replacementId != null && !BsonOrder.equal(id, replacementId)) {
      throw immutableId();
    }
    BsonValue keptId = id != null ? id : replacementId;
    BsonDocument after = new BsonDocument();
    if (keptId != null) {
      after.put(ID, BsonValues.copy(keptId));
    }
    for (Map.Entry<String, BsonValue> e : replacement.entrySet()) {
      if (!e.getKey().equals(ID)) {
        after.put(e.getKey(), BsonValues.copy(e.getValue()));
      }
    }
    return after;
  }

  private static SluiceException immutableId() {
    return new SluiceException(ErrorCode.IMMUTABLE_FIELD,
        "Performing an update on the path '_id' would modify the immutable field '_id'");
  }
}
