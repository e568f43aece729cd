package io.sluice.statemachine.engine;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.bson.BsonDocument;
import org.bson.BsonRegularExpression;
import org.bson.BsonValue;

/**
 * Regular-expression matching: {@code {a: /x/i}}, {@code {a: {$regex: 'x', $options: 'i'}}}, and
 * regexes inside {@code $in} and {@code $not}. A regex matches string values (anywhere in them,
 * unless anchored) and a stored regex with the same pattern and options. Options: {@code i m s x}.
 */
final class RegexMatchers {
  private RegexMatchers() {}

  /** The {@code $regex} (with its sibling {@code $options}, if any) of an operator document. */
  static Matcher regex(String path, BsonDocument operators) {
    BsonValue regex = operators.get("$regex");
    BsonValue options = operators.get("$options");
    if (regex == null) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "$options needs a $regex (field '" + path + "')");
    }
    if (options != null && !options.isString()) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "$options has to be a string, not " + BsonValues.render(options));
    }
    BsonRegularExpression expression;
    if (regex.isString()) {
      expression = new BsonRegularExpression(regex.asString().getValue(), options == null ? "" : options.asString().getValue());
    } else if (regex.isRegularExpression()) {
      if (options != null && !regex.asRegularExpression().getOptions().isEmpty()) {
        throw new SluiceException(ErrorCode.BAD_VALUE, "options set in both $regex and $options (field '" + path + "')");
      }
      expression = options == null ? regex.asRegularExpression()
          : new BsonRegularExpression(regex.asRegularExpression().getPattern(), options.asString().getValue());
    } else {
      throw new SluiceException(ErrorCode.BAD_VALUE, "$regex has to be a string or a regex, not " + BsonValues.render(regex));
    }
    return matching(path, expression);
  }

  /** Matches if any value the path offers is a string the regex finds in, or an identical regex. */
  static Matcher matching(String path, BsonRegularExpression expression) {
    Pattern pattern = compile(path, expression);
    return FieldOperators.anyCandidate(path, FieldPath.LeafArrays.EXPAND, candidate -> matches(pattern, expression, candidate));
  }

  static boolean matches(Pattern pattern, BsonRegularExpression expression, Optional<BsonValue> candidate) {
    if (candidate.isEmpty()) {
      return false;
    }
    BsonValue value = candidate.get();
    if (value.isString()) {
      return find(pattern, value.asString().getValue());
    }
    return value.isRegularExpression() && value.asRegularExpression().equals(expression);
  }

  /** Characters a match may read, counting every backtrack: bounds the time a filter holds apply. */
  static final long MAX_STEPS = 10_000_000;

  /**
   * Whether the pattern is found in the text. Java's matcher backtracks, and recurses per repetition:
   * a pattern such as {@code (a|b)*} on a long string, or {@code (a+)+$}, would overflow the stack or
   * run for minutes inside apply. Both end in the same BAD_VALUE on every node instead.
   */
  static boolean find(Pattern pattern, String text) {
    try {
      return pattern.matcher(new CountingText(text)).find();
    } catch (StackOverflowError | TooManySteps e) {
      throw new SluiceException(ErrorCode.BAD_VALUE, "the regular expression /" + pattern.pattern() + "/ is too costly to match "
          + "against a string of " + text.length() + " characters; simplify it (avoid nested or alternated repetition)");
    }
  }

  private static final class TooManySteps extends RuntimeException {
    TooManySteps() {
      super(null, null, false, false);
    }
  }

  /** The text, counting the characters the matcher reads. */
  private static final class CountingText implements CharSequence {
    private final String text;
    private long steps;

    CountingText(String text) {
      this.text = text;
    }

    @Override
    public char charAt(int index) {
      if (++steps > MAX_STEPS) {
        throw new TooManySteps();
      }
      return text.charAt(index);
    }

    @Override
    public int length() {
      return text.length();
    }

    @Override
    public CharSequence subSequence(int start, int end) {
      return text.subSequence(start, end);
    }

    @Override
    public String toString() {
      return text;
    }
  }

  static Pattern compile(String path, BsonRegularExpression expression) {
    return compile("field '" + path + "'", expression.getPattern(), expression.getOptions());
  }

  /**
   * Compiles a regex with MongoDB's options ({@code i m s x}); a bad option or pattern is BAD_VALUE,
   * its message starting with {@code where}. Shared with {@code $regexMatch}.
   */
  static Pattern compile(String where, String source, String options) {
    int flags = 0;
    for (char option : options.toCharArray()) {
      flags |= switch (option) {
        case 'i' -> Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE;
        case 'm' -> Pattern.MULTILINE;
        case 's' -> Pattern.DOTALL;
        case 'x' -> Pattern.COMMENTS;
        default -> throw new SluiceException(ErrorCode.BAD_VALUE, where + ": invalid flag in regex options: " + option
            + " (the options are i, m, s and x)");
      };
    }
    try {
      return Pattern.compile(source, flags);
    } catch (PatternSyntaxException e) {
      throw new SluiceException(ErrorCode.BAD_VALUE, where + ": invalid regular expression '" + source + "': " + e.getDescription());
    }
  }
}
