package io.sluice.protocol;

import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.BsonValue;

/**
 * Reply documents in MongoDB's shape: {@code {ok: 1, ...}} on success and
 * {@code {ok: 0, code, codeName, errmsg}} on failure.
 */
public final class Replies {
  private Replies() {}

  /**
   * The reply to {@code {killCursors: <collection>, cursors: [ids]}}: each id that {@code kill} finds
   * (and closes) is in {@code cursorsKilled}, the others in {@code cursorsNotFound}.
   */
  public static BsonDocument killCursors(BsonDocument command, java.util.function.LongPredicate kill) {
    BsonValue ids = command.get("cursors");
    if (ids == null || !ids.isArray()) {
      throw new SluiceException(ErrorCode.FAILED_TO_PARSE, "killCursors needs the array field 'cursors'");
    }
    org.bson.BsonArray killed = new org.bson.BsonArray();
    org.bson.BsonArray notFound = new org.bson.BsonArray();
    for (BsonValue id : ids.asArray()) {
      (id.isNumber() && kill.test(id.asNumber().longValue()) ? killed : notFound).add(id);
    }
    return ok().append("cursorsKilled", killed).append("cursorsNotFound", notFound);
  }

  public static BsonDocument ok() {
    return new BsonDocument("ok", new BsonDouble(1));
  }

  public static BsonDocument error(ErrorCode code, String message) {
    return new BsonDocument("ok", new BsonDouble(0))
        .append("code", new BsonInt32(code.code()))
        .append("codeName", new BsonString(code.codeName()))
        .append("errmsg", new BsonString(message));
  }

  public static BsonDocument error(SluiceException e) {
    return error(e.errorCode(), e.reason());
  }

  public static boolean isOk(BsonDocument reply) {
    BsonValue ok = reply.get("ok");
    return ok != null && ok.isNumber() && ok.asNumber().doubleValue() == 1;
  }

  /** Returns the reply if it is ok, else throws the error it carries. */
  public static BsonDocument check(BsonDocument reply) {
    if (isOk(reply)) {
      return reply;
    }
    throw toException(reply);
  }

  public static SluiceException toException(BsonDocument reply) {
    int code = reply.isNumber("code") ? reply.getNumber("code").intValue() : ErrorCode.INTERNAL_ERROR.code();
    String message = reply.isString("errmsg") ? reply.getString("errmsg").getValue() : reply.toJson();
    return new SluiceException(ErrorCode.of(code), message);
  }
}
