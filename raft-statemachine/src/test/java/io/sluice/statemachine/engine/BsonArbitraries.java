package io.sluice.statemachine.engine;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/** jqwik generators of BSON shared by the property tests: nested values and documents from given scalars. */
public final class BsonArbitraries {
  private BsonArbitraries() {}

  /** Scalars, arrays of up to three values and documents, nested up to {@code depth} levels. */
  public static Arbitrary<BsonValue> nested(Arbitrary<BsonValue> scalars, List<String> names, int depth) {
    return Arbitraries.recursive(() -> scalars, inner -> Arbitraries.oneOf(
        inner.list().ofMaxSize(3).map(l -> (BsonValue) new BsonArray(l)),
        documentsOf(inner, names).map(d -> (BsonValue) d)), 0, depth);
  }

  /** Documents of up to {@code names.size()} fields named from {@code names} (a repeated name keeps its last value). */
  public static Arbitrary<BsonDocument> documentsOf(Arbitrary<BsonValue> values, List<String> names) {
    return Combinators.combine(Arbitraries.of(names), values).as((name, value) -> new BsonDocument(name, value))
        .list().ofMaxSize(names.size()).map(fields -> {
          BsonDocument doc = new BsonDocument();
          fields.forEach(doc::putAll);
          return doc;
        });
  }
}
