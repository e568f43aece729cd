package io.sluice.statemachine.engine;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.SluiceException;
import java.util.Comparator;
import java.util.List;

/** Parsing, ordering and conflict checks of the paths an operator update touches. */
final class UpdatePaths {
  private UpdatePaths() {}

  /**
   * The order MongoDB (5.0+) applies update paths in, and so the order new fields are appended in:
   * component by component, numeric names in numeric order (before other names), other names in
   * byte order. A total order, so sorting with it is well defined.
   */
  static final Comparator<String[]> ORDER = UpdatePaths::compare;

  static String[] parse(String path) {
    if (path.isEmpty()) {
      throw new SluiceException(ErrorCode.FAILED_TO_PARSE, "An empty update path is not valid.");
    }
    String[] parts = FieldPath.split(path);
    for (String part : parts) {
      if (part.isEmpty()) {
        throw new SluiceException(ErrorCode.FAILED_TO_PARSE, "The update path '" + path
            + "' contains an empty field name, which is not allowed.");
      }
      if (part.startsWith("$") && !PositionalPaths.isPositional(part)) {
        throw new SluiceException(ErrorCode.BAD_VALUE, "The dollar ($) prefixed field '" + part + "' in '" + path
            + "' is not valid in an update path");
      }
    }
    PositionalPaths.check(path, parts);
    return parts;
  }

  /**
   * Throws CONFLICTING_UPDATE_OPERATORS if two paths are equal or one is a prefix of the other, or if
   * they part where one has a positional component ({@code a.$[i]} and {@code a.0} or {@code a.b}:
   * both may write the same element). Sorted by {@link #ORDER}, paths with a common prefix are
   * neighbours, so every conflict shows between neighbours.
   */
  static void checkNoConflicts(List<String[]> paths) {
    List<String[]> sorted = new java.util.ArrayList<>(paths);
    sorted.sort(ORDER);
    for (int i = 1; i < sorted.size(); i++) {
      String[] shorter = sorted.get(i - 1);
      String[] path = sorted.get(i);
      if (isPrefix(shorter, path)) {
        throw new SluiceException(ErrorCode.CONFLICTING_UPDATE_OPERATORS, "Updating the path '" + String.join(".", path)
            + "' would create a conflict at '" + String.join(".", shorter) + "'");
      }
      int parting = 0;
      while (shorter[parting].equals(path[parting])) {
        parting++;
      }
      if (parting > 0 && (PositionalPaths.isPositional(shorter[parting]) || PositionalPaths.isPositional(path[parting]))) {
        throw new SluiceException(ErrorCode.CONFLICTING_UPDATE_OPERATORS, "Updating the path '" + String.join(".", path)
            + "' would create a conflict at '" + FieldPath.join(path, parting) + "'");
      }
    }
  }

  /** True if {@code prefix} equals {@code path} or is a leading part of it. */
  static boolean isPrefix(String[] prefix, String[] path) {
    if (prefix.length > path.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (!prefix[i].equals(path[i])) {
        return false;
      }
    }
    return true;
  }

  private static int compare(String[] a, String[] b) {
    int n = Math.min(a.length, b.length);
    for (int i = 0; i < n; i++) {
      int c = compareComponents(a[i], b[i]);
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.length, b.length);
  }

  static int compareComponents(String a, String b) {
    boolean numericA = isDigits(a);
    boolean numericB = isDigits(b);
    if (numericA && numericB) {
      String x = stripZeros(a);
      String y = stripZeros(b);
      int c = x.length() != y.length() ? Integer.compare(x.length(), y.length()) : x.compareTo(y);
      return c != 0 ? c : a.compareTo(b);
    }
    if (numericA != numericB) {
      return numericA ? -1 : 1;
    }
    return BsonOrder.compareStrings(a, b);
  }

  private static boolean isDigits(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return false;
      }
    }
    return !s.isEmpty();
  }

  private static String stripZeros(String digits) {
    int i = 0;
    while (i < digits.length() - 1 && digits.charAt(i) == '0') {
      i++;
    }
    return digits.substring(i);
  }
}
