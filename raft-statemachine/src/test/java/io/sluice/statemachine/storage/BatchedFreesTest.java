package io.sluice.statemachine.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mapdb.DB;
import org.mapdb.DBException;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

class BatchedFreesTest {
  private final DB db = DBMaker.memoryDB().make();
  private final BatchedFrees frees = new BatchedFrees(db.getStore());

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void recordsFreedStayUntilTheBatchIsFlushedAndAreGoneAfter() {
    long id = db.getStore().put(new byte[100], Serializer.BYTE_ARRAY);
    frees.free(id);

    assertThat(db.getStore().get(id, Serializer.BYTE_ARRAY)).as("pending, not deleted yet").hasSize(100);
    frees.flush();
    assertThatThrownBy(() -> db.getStore().get(id, Serializer.BYTE_ARRAY)).isInstanceOf(DBException.GetVoid.class);
    frees.flush();
  }

  @Test
  void aFullBatchIsDeletedBeforeTheNextFreeIsKept() {
    long[] ids = new long[300];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = db.getStore().put(new byte[100], Serializer.BYTE_ARRAY);
    }
    for (long id : ids) {
      frees.free(id);
    }

    assertThatThrownBy(() -> db.getStore().get(ids[0], Serializer.BYTE_ARRAY)).isInstanceOf(DBException.GetVoid.class);
    assertThatThrownBy(() -> db.getStore().get(ids[255], Serializer.BYTE_ARRAY)).isInstanceOf(DBException.GetVoid.class);
    assertThat(db.getStore().get(ids[256], Serializer.BYTE_ARRAY)).hasSize(100);
  }
}
