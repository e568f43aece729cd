package io.sluice.statemachine.engine;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import java.util.ArrayList;
import java.util.List;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonValue;

/**
 * The {@code $project} stage. Numbers and booleans are inclusion (non-zero, true) or exclusion flags,
 * handled by {@link Projection}; any other value ({@code "$path"}, {@code {$op: ...}}, a string or an
 * array literal) is a computed field and makes the projection an inclusion. Nested documents are
 * sub-projections. Included fields keep the input's order; computed fields follow, in spec order,
 * evaluated against the stage's input. {@code _id} is kept unless {@code _id: 0} (or computed).
 */
final class ProjectStage {
  private ProjectStage() {}

  private static final String ID = "_id";

  /**
   * A field name no stored document can have (BSON names are NUL-terminated). Including
   * {@code "a.b.<SKELETON>"} makes {@link Projection} keep the documents and arrays along {@code a.b}
   * but none of their fields: the skeleton MongoDB's inclusion pass leaves for a computed
   * {@code "a.b.c"}, so {@code {"e.k": 1}} on {@code {e: [{c: 1}, 7]}} gives {@code {e: [{k: 1}]}}.
   */
  private static final String SKELETON = "\0";

  static Pipeline.Stage compile(String name, BsonValue spec) {
    if (!spec.isDocument()) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "$project specification must be an object, found: "
          + BsonValues.typeName(spec) + " " + BsonValues.render(spec));
    }
    if (spec.asDocument().isEmpty()) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "Invalid $project :: caused by :: projection specification must "
          + "have at least one field");
    }
    List<ComputedFields.Field> fields = ComputedFields.flatten(name, spec.asDocument(), true);
    BsonDocument flags = new BsonDocument();
    List<ComputedFields.Field> computed = new ArrayList<>();
    Boolean idFlag = null;
    String excluded = null;
    for (ComputedFields.Field f : fields) {
      BsonValue v = f.spec();
      if (v.isBoolean() || BsonValues.isNumber(v)) {
        boolean include = FieldOperators.truthy(v);
        if (f.path().equals(ID)) {
          idFlag = include;
        } else if (!include && excluded == null) {
          excluded = f.path();
        }
        flags.put(f.path(), new BsonInt32(include ? 1 : 0));
      } else {
        computed.add(f);
      }
    }
    if (excluded != null) {
      if (!computed.isEmpty()) {
        throw new SluiceException(ErrorCode.BAD_VALUE, "Invalid $project :: caused by :: Cannot use expression other than "
            + "$meta in exclusion projection: '" + computed.get(0).path() + "' is computed but '" + excluded + "' is excluded");
      }
      Projection exclusion = Projection.compile(flags);
      return exclusion::apply;
    }
    if (computed.isEmpty()) {
      Projection projection = Projection.compile(flags);
      return projection::apply;
    }
    boolean idComputed = computed.stream().anyMatch(f -> f.path().equals(ID) || f.path().startsWith(ID + "."));
    boolean keepId = !idComputed && (idFlag == null || idFlag);
    flags.remove(ID);
    for (ComputedFields.Field f : computed) {
      if (f.parts().length > 1) {
        flags.put(f.path().substring(0, f.path().lastIndexOf('.')) + "." + SKELETON, new BsonInt32(1));
      }
    }
    Projection projection = null;
    if (!flags.isEmpty()) {
      flags.put(ID, new BsonInt32(keepId ? 1 : 0));
      projection = Projection.compile(flags);
    }
    return inclusion(projection, keepId, computed);
  }

  private static Pipeline.Stage inclusion(Projection projection, boolean keepId, List<ComputedFields.Field> computed) {
    Expression[] values = computed.stream().map(f -> Expression.compile(f.spec())).toArray(Expression[]::new);
    return doc -> {
      BsonValue[] results = new BsonValue[values.length];
      for (int i = 0; i < values.length; i++) {
        results[i] = values[i].evaluateOrMissing(doc);
      }
      BsonDocument out;
      if (projection != null) {
        out = projection.apply(doc);
      } else {
        out = new BsonDocument();
        if (keepId && doc.containsKey(ID)) {
          out.put(ID, BsonValues.copy(doc.get(ID)));
        }
      }
      for (int i = 0; i < results.length; i++) {
        ComputedFields.set(out, computed.get(i).parts(), results[i] == null ? null : BsonValues.copy(results[i]));
      }
      return out;
    };
  }
}
