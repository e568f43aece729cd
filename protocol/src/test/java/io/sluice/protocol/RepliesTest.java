package io.sluice.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.junit.jupiter.api.Test;

class RepliesTest {

  @Test
  void okReplyIsOkOneAndNothingElse() {
    BsonDocument ok = Replies.ok();
    assertThat(ok).isEqualTo(new BsonDocument("ok", new BsonDouble(1)));
    assertThat(Replies.isOk(ok)).isTrue();
  }

  @Test
  void errorReplyHasMongoShape() {
    BsonDocument error = Replies.error(ErrorCode.DUPLICATE_KEY, "dup on 1");
    assertThat(error.keySet()).containsExactly("ok", "code", "codeName", "errmsg");
    assertThat(error.get("ok")).isEqualTo(new BsonDouble(0));
    assertThat(error.get("code")).isEqualTo(new BsonInt32(11000));
    assertThat(error.get("codeName")).isEqualTo(new BsonString("DuplicateKey"));
    assertThat(error.get("errmsg")).isEqualTo(new BsonString("dup on 1"));
    assertThat(Replies.isOk(error)).isFalse();
  }

  @Test
  void errorFromExceptionUsesReasonWithoutCodePrefix() {
    SluiceException e = new SluiceException(ErrorCode.BAD_VALUE, "x must be positive");
    BsonDocument error = Replies.error(e);
    assertThat(error.getString("errmsg").getValue()).isEqualTo("x must be positive");
    assertThat(error.getInt32("code").getValue()).isEqualTo(2);
  }

  @Test
  void isOkAcceptsAnyNumericOneAndRejectsTheRest() {
    assertThat(Replies.isOk(new BsonDocument("ok", new BsonInt32(1)))).isTrue();
    assertThat(Replies.isOk(new BsonDocument("ok", new BsonInt64(1)))).isTrue();
    assertThat(Replies.isOk(new BsonDocument("ok", new BsonString("1")))).isFalse();
    assertThat(Replies.isOk(new BsonDocument())).isFalse();
  }

  @Test
  void checkReturnsOkReplyUnchanged() {
    BsonDocument reply = Replies.ok().append("n", new BsonInt32(3));
    assertThat(Replies.check(reply)).isSameAs(reply);
  }

  @Test
  void checkThrowsExceptionWithCodeAndMessage() {
    BsonDocument reply = Replies.error(ErrorCode.NAMESPACE_EXISTS, "Collection db.c already exists.");
    SluiceException e = catchThrowableOfType(SluiceException.class, () -> Replies.check(reply));
    assertThat(e).isNotNull();
    assertThat(e.errorCode()).isEqualTo(ErrorCode.NAMESPACE_EXISTS);
    assertThat(e.code()).isEqualTo(48);
    assertThat(e.reason()).isEqualTo("Collection db.c already exists.");
    assertThat(e.getMessage()).isEqualTo("NamespaceExists (48): Collection db.c already exists.");
  }

  @Test
  void unknownCodeMapsToInternalError() {
    BsonDocument reply = new BsonDocument("ok", new BsonDouble(0)).append("code", new BsonInt32(987654))
        .append("errmsg", new BsonString("from the future"));
    SluiceException e = catchThrowableOfType(SluiceException.class, () -> Replies.check(reply));
    assertThat(e.errorCode()).isEqualTo(ErrorCode.INTERNAL_ERROR);
    assertThat(e.reason()).isEqualTo("from the future");
    assertThat(ErrorCode.of(987654)).isEqualTo(ErrorCode.INTERNAL_ERROR);
  }

  @Test
  void errorWithoutCodeOrMessageBecomesInternalErrorCarryingTheReply() {
    BsonDocument reply = new BsonDocument("ok", new BsonDouble(0)).append("note", new BsonString("weird"));
    SluiceException e = Replies.toException(reply);
    assertThat(e.errorCode()).isEqualTo(ErrorCode.INTERNAL_ERROR);
    assertThat(e.reason()).contains("weird");
  }

  @Test
  void retryabilityFollowsTheCode() {
    assertThat(Replies.toException(Replies.error(ErrorCode.NOT_WRITABLE_PRIMARY, "x")).isRetryable()).isTrue();
    assertThat(Replies.toException(Replies.error(ErrorCode.DUPLICATE_KEY, "x")).isRetryable()).isFalse();
  }

  @Test
  void everyKnownCodeRoundTripsThroughItsNumber() {
    for (ErrorCode code : ErrorCode.values()) {
      assertThat(ErrorCode.of(code.code())).as(code.name()).isEqualTo(code);
    }
  }
}
