package io.sluice.statemachine.engine;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bson.BsonType;
import org.bson.BsonValue;

/** The query operators on one value's kind: {@code $type} and {@code $mod}. */
final class ValueMatchers {
  private ValueMatchers() {}

  /** MongoDB's type aliases; "number" stands for all four numeric types. */
  private static final Map<String, BsonType> ALIASES = Map.ofEntries(
      Map.entry("double", BsonType.DOUBLE), Map.entry("string", BsonType.STRING), Map.entry("object", BsonType.DOCUMENT),
      Map.entry("array", BsonType.ARRAY), Map.entry("binData", BsonType.BINARY), Map.entry("undefined", BsonType.UNDEFINED),
      Map.entry("objectId", BsonType.OBJECT_ID), Map.entry("bool", BsonType.BOOLEAN), Map.entry("date", BsonType.DATE_TIME),
      Map.entry("null", BsonType.NULL), Map.entry("regex", BsonType.REGULAR_EXPRESSION), Map.entry("javascript", BsonType.JAVASCRIPT),
      Map.entry("int", BsonType.INT32), Map.entry("timestamp", BsonType.TIMESTAMP), Map.entry("long", BsonType.INT64),
      Map.entry("decimal", BsonType.DECIMAL128), Map.entry("minKey", BsonType.MIN_KEY), Map.entry("maxKey", BsonType.MAX_KEY),
      Map.entry("dbPointer", BsonType.DB_POINTER), Map.entry("symbol", BsonType.SYMBOL),
      Map.entry("javascriptWithScope", BsonType.JAVASCRIPT_WITH_SCOPE));
  private static final List<BsonType> NUMBERS = List.of(BsonType.DOUBLE, BsonType.INT32, BsonType.INT64, BsonType.DECIMAL128);

  /** {@code $type}: a type alias, a type number, or an array of them; an array field matches "array" and its elements' types. */
  static Matcher type(String path, BsonValue argument) {
    if (argument.isArray() && argument.asArray().isEmpty()) {
      throw new SluiceException(ErrorCode.FAILED_TO_PARSE, "$type must match at least one type (field '" + path + "')");
    }
    Set<BsonType> types = new HashSet<>();
    for (BsonValue alias : argument.isArray() ? argument.asArray() : List.of(argument)) {
      types.addAll(typesOf(path, alias));
    }
    return FieldOperators.anyCandidate(path, FieldPath.LeafArrays.EXPAND,
        candidate -> candidate.isPresent() && types.contains(candidate.get().getBsonType()));
  }

  private static List<BsonType> typesOf(String path, BsonValue alias) {
    if (alias.isString()) {
      String name = alias.asString().getValue();
      if (name.equals("number")) {
        return NUMBERS;
      }
      BsonType type = ALIASES.get(name);
      if (type == null) {
        throw new SluiceException(ErrorCode.BAD_VALUE, "Unknown type name alias: " + name + " (field '" + path + "')");
      }
      return List.of(type);
    }
    if (BsonValues.isNumber(alias) && BsonOrder.equal(alias, new org.bson.BsonInt32(alias.asNumber().intValue()))) {
      int code = alias.asNumber().intValue();
      for (BsonType type : BsonType.values()) {
        if (code == -1 ? type == BsonType.MIN_KEY : type.getValue() == code && type != BsonType.MIN_KEY) {
          return List.of(type);
        }
      }
    }
    throw new SluiceException(ErrorCode.BAD_VALUE, "Invalid numerical type code or alias: " + BsonValues.render(alias)
        + " (field '" + path + "')");
  }

  /** {@code $mod: [divisor, remainder]}: a number whose integer part leaves that remainder (the sign follows the number). */
  static Matcher mod(String path, BsonValue argument) {
    if (!argument.isArray() || argument.asArray().size() != 2) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "malformed mod, needs an array of [divisor, remainder], not "
          + BsonValues.render(argument) + " (field '" + path + "')");
    }
    BsonValue divisorValue = argument.asArray().get(0);
    BsonValue remainderValue = argument.asArray().get(1);
    if (!isFinite(divisorValue) || !isFinite(remainderValue)) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "malformed mod, divisor and remainder must be finite numbers: "
          + BsonValues.render(argument) + " (field '" + path + "')");
    }
    long divisor = divisorValue.asNumber().longValue();
    long remainder = remainderValue.asNumber().longValue();
    if (divisor == 0) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "divisor cannot be 0 (field '" + path + "')");
    }
    return FieldOperators.anyCandidate(path, FieldPath.LeafArrays.EXPAND, candidate -> candidate.isPresent()
        && isFinite(candidate.get()) && candidate.get().asNumber().longValue() % divisor == remainder);
  }

  /** A number that is neither NaN nor infinite. */
  private static boolean isFinite(BsonValue v) {
    if (!BsonValues.isNumber(v)) {
      return false;
    }
    return switch (v.getBsonType()) {
      case DOUBLE -> Double.isFinite(v.asDouble().getValue());
      case DECIMAL128 -> v.asDecimal128().getValue().isFinite();
      default -> true;
    };
  }
}
