package io.sluice.statemachine;

import java.util.List;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.statemachine.SnapshotInfo;

/**
 * Tells Ratis at start-up where the store already is, so that it replays the log only after that
 * position. The store itself is the durable state; there are no separate snapshot files yet.
 */
record AppliedSnapshotInfo(TermIndex getTermIndex) implements SnapshotInfo {
  @Override
  public List<FileInfo> getFiles() {
    return List.of();
  }
}
