package io.sluice.statemachine.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.protocol.SluiceException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import org.bson.BsonArray;
import org.bson.BsonBinaryWriter;
import org.bson.BsonBoolean;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonNull;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.codecs.EncoderContext;
import org.bson.io.BasicOutputBuffer;

/** Properties every replica relies on: the engine's results depend only on its inputs. */
class EnginePropertiesTest {
  private static final List<String> PATHS = List.of("a", "b", "c.d", "a.0", "b.1.x", "n", "_id");
  private static final List<String> FILTER_OPERATORS =
      List.of("", "$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exists", "$not");

  @Property(tries = 400)
  void applyingTheSameCompiledUpdateTwiceToTheSameOriginalGivesByteIdenticalResults(
      @ForAll("documents") BsonDocument original, @ForAll("updates") BsonDocument spec) {
    String before = encode(original);
    String first = outcome(spec, original);
    String second = outcome(spec, original);
    Statistics.label("update").collect(first.startsWith("error") ? "failed" : first.contains("|true|") ? "modified" : "unchanged");
    assertThat(second).isEqualTo(first);
    assertThat(encode(original)).as("the original is never changed").isEqualTo(before);
  }

  @Property(tries = 400)
  void filterResultsNeverDependOnTheOrderOfAndClauses(
      @ForAll("clauses") List<BsonDocument> clauses, @ForAll("documents") BsonDocument doc, @ForAll Random random) {
    List<BsonDocument> shuffled = new ArrayList<>(clauses);
    Collections.shuffle(shuffled, random);
    boolean inOrder = Filter.compile(new BsonDocument("$and", new BsonArray(clauses))).matches(doc);
    boolean reordered = Filter.compile(new BsonDocument("$and", new BsonArray(shuffled))).matches(doc);
    boolean each = clauses.stream().allMatch(c -> Filter.compile(c).matches(doc));
    Statistics.label("matched").collect(inOrder);
    assertThat(reordered).isEqualTo(inOrder);
    assertThat(inOrder).isEqualTo(each);
  }

  /** Everything observable about compiling and applying the update once, as text. */
  private static String outcome(BsonDocument spec, BsonDocument original) {
    try {
      Update.UpdateOutcome outcome = Update.compile(spec).apply(original);
      return encode(outcome.after()) + "|" + outcome.modified() + "|" + encode(outcome.updatedFields()) + "|" + outcome.removedFields();
    } catch (SluiceException e) {
      return "error " + e.getMessage();
    }
  }

  private static String encode(BsonDocument doc) {
    BasicOutputBuffer buffer = new BasicOutputBuffer();
    try (BsonBinaryWriter writer = new BsonBinaryWriter(buffer)) {
      new BsonDocumentCodec().encode(writer, doc, EncoderContext.builder().build());
    }
    return HexFormat.of().formatHex(buffer.toByteArray());
  }

  private static Arbitrary<BsonValue> scalars() {
    return Arbitraries.oneOf(
        Arbitraries.integers().between(-3, 3).map(i -> (BsonValue) new BsonInt32(i)),
        Arbitraries.of(Integer.MAX_VALUE, Integer.MIN_VALUE).map(i -> (BsonValue) new BsonInt32(i)),
        Arbitraries.longs().between(-3, 3).map(l -> (BsonValue) new BsonInt64(l)),
        Arbitraries.doubles().between(-3, 3).ofScale(1).map(d -> (BsonValue) new BsonDouble(d)),
        Arbitraries.strings().withChars("abx").ofMaxLength(2).map(s -> (BsonValue) new BsonString(s)),
        Arbitraries.<BsonValue>of(BsonNull.VALUE, BsonBoolean.TRUE, BsonBoolean.FALSE));
  }

  private static Arbitrary<BsonValue> values() {
    return Arbitraries.recursive(EnginePropertiesTest::scalars,
        inner -> Arbitraries.oneOf(inner.list().ofMaxSize(3).map(l -> (BsonValue) new BsonArray(l)),
            documentsOf(inner).map(d -> (BsonValue) d)),
        0, 2);
  }

  private static Arbitrary<BsonDocument> documentsOf(Arbitrary<BsonValue> values) {
    return Combinators.combine(Arbitraries.of("a", "b", "c", "d", "x", "0"), values).as(Field::new)
        .list().ofMaxSize(4).map(fields -> {
          BsonDocument doc = new BsonDocument();
          fields.forEach(f -> doc.put(f.name(), f.value()));
          return doc;
        });
  }

  private record Field(String name, BsonValue value) {}

  @Provide
  Arbitrary<BsonDocument> documents() {
    return Combinators.combine(Arbitraries.integers().between(0, 5), documentsOf(values()))
        .as((id, body) -> {
          BsonDocument doc = new BsonDocument("_id", new BsonInt32(id));
          body.forEach(doc::put);
          return doc;
        });
  }

  @Provide
  Arbitrary<BsonDocument> updates() {
    Arbitrary<String> operator = Arbitraries.of("$set", "$unset", "$inc", "$mul", "$min", "$max", "$rename", "$setOnInsert", "$push",
        "$addToSet", "$pop", "$pull", "$pullAll");
    Arbitrary<BsonValue> argument = Arbitraries.oneOf(scalars(), values());
    Arbitrary<BsonDocument> replacement = documentsOf(values());
    Arbitrary<BsonDocument> operators = Combinators.combine(operator, Arbitraries.of(PATHS), argument)
        .as((op, path, arg) -> new BsonDocument(op, new BsonDocument(path, arg)))
        .list().ofMinSize(1).ofMaxSize(4)
        .map(parts -> {
          BsonDocument spec = new BsonDocument();
          for (BsonDocument part : parts) {
            String op = part.getFirstKey();
            BsonDocument fields = spec.containsKey(op) ? spec.getDocument(op) : new BsonDocument();
            fields.putAll(part.getDocument(op));
            spec.put(op, fields);
          }
          return spec;
        });
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(5, operators),
        net.jqwik.api.Tuple.of(1, replacement));
  }

  @Provide
  Arbitrary<List<BsonDocument>> clauses() {
    Arbitrary<BsonDocument> clause = Combinators.combine(Arbitraries.of(PATHS), Arbitraries.of(FILTER_OPERATORS), scalars(),
        scalars().list().ofMaxSize(3))
        .as((path, op, value, list) -> switch (op) {
          case "" -> new BsonDocument(path, value);
          case "$in", "$nin" -> new BsonDocument(path, new BsonDocument(op, new BsonArray(list)));
          case "$not" -> new BsonDocument(path, new BsonDocument(op, new BsonDocument("$gt", value)));
          default -> new BsonDocument(path, new BsonDocument(op, value));
        });
    return clause.list().ofMinSize(1).ofMaxSize(5);
  }
}
