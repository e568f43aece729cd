package io.sluice.chaos.history;

/**
 * One line of a change-stream consumer's history.
 *
 * <ul>
 *   <li>{@link Kind#OPEN}: the consumer opened its stream at {@code token} (null: from "now").</li>
 *   <li>{@link Kind#EVENT}: an insert event with resume token {@code token} for the document whose
 *       {@code _id} is {@code value}.</li>
 *   <li>{@link Kind#PROGRESS}: the cursor's resume token after a batch ({@code postBatchResumeToken}):
 *       every event up to it has been delivered.</li>
 *   <li>{@link Kind#RESUME}: after {@code error}, the consumer reopened its stream on {@code node}
 *       after {@code token}, its last token.</li>
 * </ul>
 *
 * @param token hex of the resume token ({@code io.sluice.protocol.ResumeToken#parse})
 */
public record StreamRecord(long nanos, int consumer, Kind kind, String node, String token, Long value, String error) {
  public enum Kind {
    OPEN, EVENT, PROGRESS, RESUME
  }
}
