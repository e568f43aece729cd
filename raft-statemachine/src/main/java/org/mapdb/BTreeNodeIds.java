package org.mapdb;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.mapdb.serializer.GroupSerializer;

/**
 * The record ids of a MapDB B-tree's nodes, which MapDB 3.1 has no way to free: it never deletes a
 * tree, nor a node that removals emptied. Sluice's one class in MapDB's package, for the node format
 * MapDB keeps to itself. Sluice drops a tree it no longer uses with these ids
 * ({@code io.sluice.statemachine.storage.RenewableTree}).
 */
public final class BTreeNodeIds {
  private BTreeNodeIds() {
  }

  /**
   * The tree's node ids by level, the root's first and the leaves' last, found through each level's
   * children: every node of a whole tree (a split gives the new node to the parent in the same put).
   * Only for a whole tree: MapDB reuses a deleted id at once, so a tree part deleted cannot be walked.
   */
  public static List<long[]> byLevel(Store store, long rootRecidRecid, GroupSerializer<?> keys, GroupSerializer<?> values) {
    BTreeMapJava.NodeSerializer nodes = new BTreeMapJava.NodeSerializer(keys, keys, values);
    List<long[]> levels = new ArrayList<>();
    Long root = store.get(rootRecidRecid, Serializer.RECID);
    long[] level = root == null ? new long[0] : new long[] {root};
    while (level.length > 0) {
      levels.add(level);
      long[] below = new long[0];
      int count = 0;
      for (long id : level) {
        BTreeMapJava.Node node = store.get(id, nodes);
        if (node != null && node.isDir()) {
          long[] children = node.getChildren();
          if (count + children.length > below.length) {
            below = Arrays.copyOf(below, Math.max(2 * below.length, count + children.length));
          }
          System.arraycopy(children, 0, below, count, children.length);
          count += children.length;
        }
      }
      level = Arrays.copyOf(below, count);
    }
    return levels;
  }
}
