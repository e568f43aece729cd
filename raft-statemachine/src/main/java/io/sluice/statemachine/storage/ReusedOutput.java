package io.sluice.statemachine.storage;

import java.io.IOException;
import java.util.Arrays;
import org.mapdb.DataInput2;
import org.mapdb.DataOutput2;
import org.mapdb.Serializer;

/**
 * Serializes the records MapDB's store writes into one buffer per thread, reused from record to
 * record. The store serializes each record into a new {@link DataOutput2} of 128 bytes that doubles as
 * it fills: each B-tree node of 8 KiB written left some 16 KiB of arrays behind, several times per
 * applied entry.
 *
 * <p>This relies on how MapDB 3.1.0's {@code StoreDirect.put} and {@code update} use the output:
 * they serialize into a new, empty one, copy its bytes into the volume before returning, and keep no
 * reference to it; the only bytes they read past its end are those after a record of under 6 bytes,
 * kept in the index (zeroed here). {@code ReusedOutputTest} checks records of every size, from those
 * kept in the index to linked ones. A record written while another is being serialized on the same
 * thread gets MapDB's own new buffer, so it cannot overwrite the one in use.
 */
final class ReusedOutput {
  /** A buffer grown past this by a large record is dropped after it, not kept for the thread's life. */
  private static final int KEEP_AT_MOST = 1 << 20;
  private static final ThreadLocal<Held> HELD = ThreadLocal.withInitial(Held::new);

  private ReusedOutput() {}

  /** This thread's buffer, and whether a record is being serialized into it. */
  private static final class Held {
    DataOutput2 buffer = new DataOutput2();
    boolean inUse;
  }

  /** {@code serializer}, writing through this thread's buffer; only for a store's {@code put} and {@code update}. */
  static <R> Serializer<R> through(Serializer<R> serializer) {
    return new Serializer<>() {
      @Override
      public void serialize(DataOutput2 out, R value) throws IOException {
        Held held = HELD.get();
        if (held.inUse) {
          serializer.serialize(out, value);
          return;
        }
        held.inUse = true;
        try {
          DataOutput2 buffer = held.buffer;
          buffer.pos = 0;
          serializer.serialize(buffer, value);
          if (buffer.pos < Long.BYTES) {
            Arrays.fill(buffer.buf, buffer.pos, Long.BYTES, (byte) 0);
          }
          if (out.pos == 0) {
            // The store's own output is new and empty: give it the filled buffer instead of a copy.
            out.buf = buffer.buf;
            out.pos = buffer.pos;
            out.sizeMask = buffer.sizeMask;
          } else {
            out.write(buffer.buf, 0, buffer.pos);
          }
        } finally {
          held.inUse = false;
          if (held.buffer.buf.length > KEEP_AT_MOST) {
            held.buffer = new DataOutput2();
          }
        }
      }

      @Override
      public R deserialize(DataInput2 in, int available) throws IOException {
        return serializer.deserialize(in, available);
      }
    };
  }
}
