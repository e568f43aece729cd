package io.sluice.chaos.cluster;

import java.nio.file.Path;
import java.util.List;

/** The node image, built by {@code deploy/image/build-node-image.sh} (which skips an unchanged image). */
public final class NodeImage {
  private static String name;

  private NodeImage() {}

  /** The image's name; built on first use in this JVM when its content changed. */
  public static synchronized String name() {
    if (name == null) {
      Path script = root().resolve("deploy/image/build-node-image.sh");
      String out = Commands.run(List.of("bash", script.toString()), "", 600).strip();
      name = out.substring(out.lastIndexOf('\n') + 1);
    }
    return name;
  }

  static Path root() {
    return Path.of(System.getProperty("sluice.root", "..")).toAbsolutePath().normalize();
  }
}
