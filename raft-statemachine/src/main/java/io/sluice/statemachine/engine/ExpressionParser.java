package io.sluice.statemachine.engine;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonNull;
import org.bson.BsonValue;

/**
 * Turns the BSON of an aggregation expression into a tree of {@link Evaluator}s: literals, field
 * paths ({@code "$a.b"}), variables ({@code "$$ROOT"}, {@code "$$this.k"}), expression objects,
 * arrays and operators ({@code {$op: args}}, looked up in {@link ExpressionOperators}). It knows
 * which user variables are in scope, so a reference to an undefined variable fails at compile time.
 */
final class ExpressionParser {
  static final ExpressionParser TOP_LEVEL = new ExpressionParser(List.of());

  /** System variables that would make evaluation depend on time or the caller, so replicas could differ. */
  private static final Set<String> UNSUPPORTED_SYSTEM_VARIABLES =
      Set.of("NOW", "CLUSTER_TIME", "USER_ROLES", "SEARCH_META", "JS_SCOPE", "IS_MR");

  private final List<String> scope;

  private ExpressionParser(List<String> scope) {
    this.scope = scope;
  }

  /** A parser for a nested expression in which these (checked) user variables are also defined. */
  ExpressionParser with(String... names) {
    List<String> inner = new ArrayList<>(scope);
    inner.addAll(List.of(names));
    return new ExpressionParser(List.copyOf(inner));
  }

  Evaluator parse(BsonValue spec) {
    return switch (spec.getBsonType()) {
      case STRING -> parseString(spec.asString().getValue(), spec);
      case DOCUMENT -> parseDocument(spec.asDocument());
      case ARRAY -> parseArray(spec.asArray());
      default -> Evaluator.constant(spec);
    };
  }

  private Evaluator parseString(String s, BsonValue spec) {
    if (!s.startsWith("$")) {
      return Evaluator.constant(spec);
    }
    if (s.startsWith("$$")) {
      return parseVariable(s);
    }
    String[] parts = pathParts(s, s.substring(1));
    return vars -> Variables.resolve(vars.root(), parts);
  }

  private Evaluator parseVariable(String s) {
    String body = s.substring(2);
    int dot = body.indexOf('.');
    String name = dot < 0 ? body : body.substring(0, dot);
    String[] parts = dot < 0 ? new String[0] : pathParts(s, body.substring(dot + 1));
    if (name.isEmpty()) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "empty variable names are not allowed: '" + s + "'");
    }
    switch (name) {
      case "ROOT", "CURRENT":
        return vars -> Variables.resolve(vars.root(), parts);
      case "REMOVE":
        return vars -> null;
      default:
        break;
    }
    if (UNSUPPORTED_SYSTEM_VARIABLES.contains(name)) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "'$$" + name + "' is not supported: expressions must give the "
          + "same result on every replica");
    }
    if (!scope.contains(name)) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "Use of undefined variable: " + name + " (in '" + s + "')");
    }
    return vars -> Variables.resolve(vars.get(name), parts);
  }

  /** The components of a field path; each must be non-empty and may not start with '$'. */
  private static String[] pathParts(String whole, String path) {
    String[] parts = FieldPath.split(path);
    for (String part : parts) {
      if (part.isEmpty()) {
        throw new SluiceException(ErrorCode.BAD_VALUE, "field path '" + whole + "' is not valid: FieldPath field names "
            + "may not be empty");
      }
      if (part.startsWith("$")) {
        throw new SluiceException(ErrorCode.BAD_VALUE, "field path '" + whole + "' is not valid: FieldPath field names "
            + "may not start with '$'");
      }
    }
    return parts;
  }

  private Evaluator parseDocument(BsonDocument doc) {
    if (doc.isEmpty()) {
      return Evaluator.constant(new BsonDocument());
    }
    String first = doc.getFirstKey();
    if (first.startsWith("$")) {
      if (doc.size() != 1) {
        throw new SluiceException(ErrorCode.BAD_VALUE, "an expression specification must contain exactly one field, "
            + "the name of the expression. Found " + doc.size() + " fields in " + BsonValues.render(doc));
      }
      ExpressionOperators.OperatorCompiler compiler = ExpressionOperators.find(first);
      if (compiler == null) {
        throw new SluiceException(ErrorCode.INVALID_PIPELINE_OPERATOR, "Unrecognized expression '" + first + "'");
      }
      return compiler.compile(first, doc.get(first), this);
    }
    List<String> names = new ArrayList<>();
    List<Evaluator> values = new ArrayList<>();
    for (Map.Entry<String, BsonValue> e : doc.entrySet()) {
      String name = e.getKey();
      if (name.isEmpty() || name.startsWith("$") || name.contains(".")) {
        throw new SluiceException(ErrorCode.BAD_VALUE, "field name '" + name + "' in the expression object "
            + BsonValues.render(doc) + " is not valid: it may not be empty, start with '$' or contain '.'");
      }
      names.add(name);
      values.add(parse(e.getValue()));
    }
    String[] fieldNames = names.toArray(new String[0]);
    Evaluator[] fieldValues = values.toArray(new Evaluator[0]);
    return vars -> {
      BsonDocument out = new BsonDocument();
      for (int i = 0; i < fieldNames.length; i++) {
        BsonValue value = fieldValues[i].evaluate(vars);
        if (value != null) {
          out.put(fieldNames[i], value);
        }
      }
      return out;
    };
  }

  private Evaluator parseArray(BsonArray array) {
    Evaluator[] elements = new Evaluator[array.size()];
    for (int i = 0; i < elements.length; i++) {
      elements[i] = parse(array.get(i));
    }
    return vars -> {
      BsonArray out = new BsonArray(new ArrayList<>(elements.length));
      for (Evaluator element : elements) {
        BsonValue value = element.evaluate(vars);
        out.add(value == null ? BsonNull.VALUE : value);
      }
      return out;
    };
  }
}
