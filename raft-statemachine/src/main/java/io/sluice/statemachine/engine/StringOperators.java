package io.sluice.statemachine.engine;

import static io.sluice.statemachine.engine.ExpressionOperators.describe;
import static io.sluice.statemachine.engine.ExpressionOperators.exactly;
import static io.sluice.statemachine.engine.ExpressionOperators.int32;
import static io.sluice.statemachine.engine.ExpressionOperators.named;
import static io.sluice.statemachine.engine.ExpressionOperators.nullish;
import static io.sluice.statemachine.engine.ExpressionOperators.operands;
import static java.util.Map.entry;

import io.sluice.statemachine.engine.ExpressionOperators.OperatorCompiler;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.bson.BsonArray;
import org.bson.BsonBoolean;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonNull;
import org.bson.BsonString;
import org.bson.BsonValue;

/** String operators: {@code $concat $toString $toLower $toUpper $substrCP $split $strLenCP $regexMatch}. */
final class StringOperators {
  private StringOperators() {}

  static final Map<String, OperatorCompiler> OPERATORS = Map.ofEntries(
      entry("$concat", StringOperators::concat),
      entry("$toString", StringOperators::toStringOf),
      entry("$toLower", caseMapping(StringOperators::lowerAscii)),
      entry("$toUpper", caseMapping(StringOperators::upperAscii)),
      entry("$substrCP", StringOperators::substrCP),
      entry("$split", StringOperators::split),
      entry("$strLenCP", StringOperators::strLenCP),
      entry("$regexMatch", StringOperators::regexMatch));

  private static final DateTimeFormatter ISO_MILLIS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'");

  /** Strings only; any null or missing operand makes the result null. */
  private static Evaluator concat(String name, BsonValue args, ExpressionParser p) {
    Evaluator[] operands = operands(name, args, p);
    return vars -> {
      StringBuilder out = new StringBuilder();
      boolean sawNull = false;
      for (Evaluator operand : operands) {
        BsonValue v = operand.evaluate(vars);
        if (nullish(v)) {
          sawNull = true;
        } else if (v.isString()) {
          out.append(v.asString().getValue());
        } else {
          throw Expression.typeMismatch("$concat only supports strings, not " + describe(v));
        }
      }
      return sawNull ? BsonNull.VALUE : new BsonString(out.toString());
    };
  }

  private static Evaluator toStringOf(String name, BsonValue args, ExpressionParser p) {
    Evaluator operand = exactly(name, args, p, 1)[0];
    return vars -> {
      BsonValue v = operand.evaluate(vars);
      if (nullish(v)) {
        return BsonNull.VALUE;
      }
      String s = switch (v.getBsonType()) {
        case STRING, INT32, INT64, DOUBLE, DECIMAL128, DATE_TIME, TIMESTAMP -> format(v);
        case BOOLEAN -> Boolean.toString(v.asBoolean().getValue());
        case OBJECT_ID -> v.asObjectId().getValue().toHexString();
        default -> throw Expression.typeMismatch("Unsupported conversion from " + BsonValues.typeName(v)
            + " to string in $toString: " + BsonValues.render(v));
      };
      return new BsonString(s);
    };
  }

  /** A string, number, date or timestamp as text (MongoDB's coercion to string); null for anything else. */
  static String format(BsonValue v) {
    return switch (v.getBsonType()) {
      case STRING -> v.asString().getValue();
      case SYMBOL -> v.asSymbol().getSymbol();
      case INT32 -> Integer.toString(v.asInt32().getValue());
      case INT64 -> Long.toString(v.asInt64().getValue());
      case DOUBLE -> formatDouble(v.asDouble().getValue());
      case DECIMAL128 -> v.asDecimal128().getValue().toString();
      case DATE_TIME -> formatDate(v.asDateTime().getValue());
      case TIMESTAMP -> "Timestamp(" + v.asTimestamp().getTime() + ", " + v.asTimestamp().getInc() + ")";
      default -> null;
    };
  }

  /** Shortest round-trip digits; plain notation for 1e-4 &lt;= |d| &lt; 1e16, else {@code 1.5e+20}, {@code 1e-05}. */
  static String formatDouble(double d) {
    if (Double.isNaN(d)) {
      return "NaN";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "Infinity" : "-Infinity";
    }
    if (d == 0) {
      return 1 / d < 0 ? "-0" : "0";
    }
    BigDecimal shortest = new BigDecimal(Double.toString(d)).stripTrailingZeros();
    int exponent = shortest.precision() - shortest.scale() - 1;
    if (exponent >= -4 && exponent < 16) {
      return shortest.toPlainString();
    }
    String digits = shortest.unscaledValue().abs().toString();
    String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
    String exp = String.format(java.util.Locale.ROOT, "%02d", Math.abs(exponent));
    return (d < 0 ? "-" : "") + mantissa + "e" + (exponent < 0 ? "-" : "+") + exp;
  }

  static String formatDate(long millis) {
    ZonedDateTime t = Instant.ofEpochMilli(millis).atZone(ZoneOffset.UTC);
    if (t.getYear() < 0 || t.getYear() > 9999) {
      throw Expression.badValue("cannot format the date " + millis + " ms since the epoch: its year " + t.getYear()
          + " is outside 0-9999");
    }
    return ISO_MILLIS.format(t);
  }

  /** The operand coerced to a string as {@code $toLower} and {@code $substrCP} do: null and missing are "". */
  private static String coerce(String name, BsonValue v) {
    if (nullish(v)) {
      return "";
    }
    String s = format(v);
    if (s == null) {
      throw Expression.typeMismatch(name + " can't convert from BSON type " + BsonValues.typeName(v) + " to String: "
          + BsonValues.render(v));
    }
    return s;
  }

  private static OperatorCompiler caseMapping(UnaryOperator<String> mapping) {
    return (name, args, p) -> {
      Evaluator operand = exactly(name, args, p, 1)[0];
      return vars -> new BsonString(mapping.apply(coerce(name, operand.evaluate(vars))));
    };
  }

  private static String lowerAscii(String s) {
    char[] chars = s.toCharArray();
    for (int i = 0; i < chars.length; i++) {
      if (chars[i] >= 'A' && chars[i] <= 'Z') {
        chars[i] = (char) (chars[i] + ('a' - 'A'));
      }
    }
    return new String(chars);
  }

  private static String upperAscii(String s) {
    char[] chars = s.toCharArray();
    for (int i = 0; i < chars.length; i++) {
      if (chars[i] >= 'a' && chars[i] <= 'z') {
        chars[i] = (char) (chars[i] - ('a' - 'A'));
      }
    }
    return new String(chars);
  }

  /** {@code [string, start, count]} in code points; a start past the end gives "", a count past it takes the rest. */
  private static Evaluator substrCP(String name, BsonValue args, ExpressionParser p) {
    Evaluator[] a = exactly(name, args, p, 3);
    return vars -> {
      String s = coerce(name, a[0].evaluate(vars));
      int start = nonNegative(name, "starting index", a[1].evaluate(vars));
      int count = nonNegative(name, "length", a[2].evaluate(vars));
      int length = s.codePointCount(0, s.length());
      if (start >= length) {
        return new BsonString("");
      }
      int from = s.offsetByCodePoints(0, start);
      int to = count >= length - start ? s.length() : s.offsetByCodePoints(from, count);
      return new BsonString(s.substring(from, to));
    };
  }

  private static int nonNegative(String name, String what, BsonValue v) {
    if (v == null || !BsonValues.isNumber(v)) {
      throw Expression.typeMismatch(name + ": " + what + " must be a numeric type, found: " + describe(v));
    }
    Integer i = int32(v);
    if (i == null) {
      throw Expression.badValue(name + ": " + what + " cannot be represented as a 32-bit integral value: " + BsonValues.render(v));
    }
    if (i < 0) {
      throw Expression.badValue(name + ": " + what + " must be a nonnegative integer, found: " + i);
    }
    return i;
  }

  /** {@code [string, delimiter]}: the pieces between delimiters, empty pieces included; null if either is null. */
  private static Evaluator split(String name, BsonValue args, ExpressionParser p) {
    Evaluator[] a = exactly(name, args, p, 2);
    return vars -> {
      BsonValue input = a[0].evaluate(vars);
      BsonValue delimiter = a[1].evaluate(vars);
      if (nullish(input) || nullish(delimiter)) {
        return BsonNull.VALUE;
      }
      if (!input.isString()) {
        throw Expression.typeMismatch("$split requires an expression that evaluates to a string as a first argument, found: "
            + describe(input));
      }
      if (!delimiter.isString()) {
        throw Expression.typeMismatch("$split requires an expression that evaluates to a string as a second argument, found: "
            + describe(delimiter));
      }
      String s = input.asString().getValue();
      String d = delimiter.asString().getValue();
      if (d.isEmpty()) {
        throw Expression.badValue("$split requires a non-empty separator");
      }
      BsonArray out = new BsonArray();
      int from = 0;
      for (int at = s.indexOf(d); at >= 0; at = s.indexOf(d, from)) {
        out.add(new BsonString(s.substring(from, at)));
        from = at + d.length();
      }
      out.add(new BsonString(s.substring(from)));
      return out;
    };
  }

  private static Evaluator strLenCP(String name, BsonValue args, ExpressionParser p) {
    Evaluator operand = exactly(name, args, p, 1)[0];
    return vars -> {
      BsonValue v = operand.evaluate(vars);
      if (v == null || !v.isString()) {
        throw Expression.typeMismatch("$strLenCP requires a string argument, found: " + describe(v));
      }
      String s = v.asString().getValue();
      return new BsonInt32(s.codePointCount(0, s.length()));
    };
  }

  /**
   * {@code {input, regex, options}}: true if the regex (a string or a BSON regex) finds a match in the
   * input; false for a null or missing input or regex. The pattern is compiled once if it is constant.
   */
  private static Evaluator regexMatch(String name, BsonValue args, ExpressionParser p) {
    BsonDocument d = named(name, args, List.of("input", "regex", "options"), List.of("input", "regex"));
    Evaluator input = p.parse(d.get("input"));
    Evaluator regex = p.parse(d.get("regex"));
    Evaluator options = d.containsKey("options") ? p.parse(d.get("options")) : Evaluator.constant(null);
    Pattern compiled = regex instanceof Evaluator.Constant r && options instanceof Evaluator.Constant o
        && !nullish(r.value()) ? pattern(name, r.value(), o.value()) : null;
    return vars -> {
      BsonValue in = input.evaluate(vars);
      if (nullish(in)) {
        return BsonBoolean.FALSE;
      }
      if (!in.isString()) {
        throw Expression.typeMismatch("$regexMatch needs 'input' to be of type string, found: " + describe(in));
      }
      Pattern pattern = compiled;
      if (pattern == null) {
        BsonValue r = regex.evaluate(vars);
        if (nullish(r)) {
          return BsonBoolean.FALSE;
        }
        pattern = pattern(name, r, options.evaluate(vars));
      }
      return BsonBoolean.valueOf(RegexMatchers.find(pattern, in.asString().getValue()));
    };
  }

  private static Pattern pattern(String name, BsonValue regex, BsonValue options) {
    String source;
    String flags = "";
    if (regex.isString()) {
      source = regex.asString().getValue();
    } else if (regex.isRegularExpression()) {
      source = regex.asRegularExpression().getPattern();
      flags = regex.asRegularExpression().getOptions();
    } else {
      throw Expression.typeMismatch(name + " needs 'regex' to be of type string or regex, found: " + describe(regex));
    }
    if (!nullish(options)) {
      if (!options.isString()) {
        throw Expression.typeMismatch(name + " needs 'options' to be of type string, found: " + describe(options));
      }
      if (!flags.isEmpty() && !options.asString().getValue().isEmpty()) {
        throw Expression.badValue(name + ": options set in both regex (/" + source + "/" + flags + ") and options ('"
            + options.asString().getValue() + "')");
      }
      flags = flags + options.asString().getValue();
    }
    return RegexMatchers.compile(name, source, flags);
  }
}
