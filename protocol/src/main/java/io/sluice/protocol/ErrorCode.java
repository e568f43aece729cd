package io.sluice.protocol;

import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Error codes of replies, with MongoDB's numbers and names wherever the meaning is the same, so that
 * users and tools that know MongoDB's codes need nothing new. A retryable code means the same request
 * may succeed if sent again (to this or another node) without the caller changing anything.
 */
public enum ErrorCode {
  INTERNAL_ERROR(1, "InternalError", false),
  BAD_VALUE(2, "BadValue", false),
  NO_SUCH_KEY(4, "NoSuchKey", false),
  FAILED_TO_PARSE(9, "FailedToParse", false),
  TYPE_MISMATCH(14, "TypeMismatch", false),
  INVALID_BSON(22, "InvalidBSON", false),
  NAMESPACE_NOT_FOUND(26, "NamespaceNotFound", false),
  INDEX_NOT_FOUND(27, "IndexNotFound", false),
  CONFLICTING_UPDATE_OPERATORS(40, "ConflictingUpdateOperators", false),
  NAMESPACE_EXISTS(48, "NamespaceExists", false),
  CURSOR_NOT_FOUND(43, "CursorNotFound", true),
  NO_MATCHING_DOCUMENT(47, "NoMatchingDocument", false),
  EXCEEDED_TIME_LIMIT(50, "MaxTimeMSExpired", true),
  COMMAND_NOT_FOUND(59, "CommandNotFound", false),
  IMMUTABLE_FIELD(66, "ImmutableField", false),
  CANNOT_CREATE_INDEX(67, "CannotCreateIndex", false),
  INVALID_OPTIONS(72, "InvalidOptions", false),
  INVALID_NAMESPACE(73, "InvalidNamespace", false),
  HOST_UNREACHABLE(6, "HostUnreachable", true),
  INDEX_OPTIONS_CONFLICT(85, "IndexOptionsConflict", false),
  INDEX_KEY_SPECS_CONFLICT(86, "IndexKeySpecsConflict", false),
  NETWORK_TIMEOUT(89, "NetworkTimeout", true),
  SHUTDOWN_IN_PROGRESS(91, "ShutdownInProgress", true),
  NOT_YET_APPLIED(133, "FailedToSatisfyReadPreference", true),
  EXCEEDED_MEMORY_LIMIT(146, "ExceededMemoryLimit", false),
  INVALID_PIPELINE_OPERATOR(168, "InvalidPipelineOperator", false),
  CANNOT_INDEX_PARALLEL_ARRAYS(171, "CannotIndexParallelArrays", false),
  INVALID_INDEX_SPECIFICATION_OPTION(197, "InvalidIndexSpecificationOption", false),
  TRANSACTION_TOO_OLD(225, "TransactionTooOld", false),
  CURSOR_KILLED(237, "CursorKilled", false),
  INVALID_RESUME_TOKEN(260, "InvalidResumeToken", false),
  CHANGE_STREAM_FATAL_ERROR(280, "ChangeStreamFatalError", false),
  CHANGE_STREAM_HISTORY_LOST(286, "ChangeStreamHistoryLost", false),
  NOT_WRITABLE_PRIMARY(10107, "NotWritablePrimary", true),
  BSON_OBJECT_TOO_LARGE(10334, "BSONObjectTooLarge", false),
  DUPLICATE_KEY(11000, "DuplicateKey", false),
  INTERRUPTED(11601, "Interrupted", false),
  KEY_TOO_LONG(17280, "KeyTooLong", false),
  DOCUMENT_AFTER_UPDATE_TOO_LARGE(17419, "BSONObjectTooLarge", false),
  UNRECOGNIZED_PIPELINE_STAGE(40324, "Location40324", false),
  UNKNOWN_FIELD(40415, "Location40415", false);

  private static final Map<Integer, ErrorCode> BY_CODE =
      Arrays.stream(values()).collect(Collectors.toMap(ErrorCode::code, Function.identity(), (a, b) -> a));

  private final int code;
  private final String codeName;
  private final boolean retryable;

  ErrorCode(int code, String codeName, boolean retryable) {
    this.code = code;
    this.codeName = codeName;
    this.retryable = retryable;
  }

  public int code() {
    return code;
  }

  public String codeName() {
    return codeName;
  }

  public boolean isRetryable() {
    return retryable;
  }

  /** The code with this number, or {@link #INTERNAL_ERROR} for a number this version does not know. */
  public static ErrorCode of(int code) {
    return BY_CODE.getOrDefault(code, INTERNAL_ERROR);
  }
}
