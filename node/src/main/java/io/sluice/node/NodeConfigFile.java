package io.sluice.node;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Loads a node's configuration: the YAML file (keys are {@link NodeConfig.Builder}'s setters), then
 * command-line overrides of the same keys, then the builder's validation.
 */
public final class NodeConfigFile {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private NodeConfigFile() {}

  /** @param file the YAML file, or null for flags only; @param overrides key to value, applied last */
  public static NodeConfig load(Path file, Map<String, Object> overrides) {
    ObjectNode tree = file == null ? YAML.createObjectNode() : readTree(file);
    overrides.forEach((key, value) -> tree.set(key, YAML.valueToTree(value)));
    String source = file == null ? "command line" : "config file " + file;
    try {
      return YAML.treeToValue(tree, NodeConfig.class);
    } catch (UnrecognizedPropertyException e) {
      throw new ConfigException(source + ": unknown key '" + e.getPropertyName() + "'; known keys: " + e.getKnownPropertyIds(), e);
    } catch (JsonMappingException e) {
      for (Throwable cause = e; cause != null; cause = cause.getCause()) {
        if (cause instanceof ConfigException config) {
          // NodeConfig's checks start their message with the key: say where that key's value came from.
          String key = config.getMessage().split(" ", 2)[0];
          throw new ConfigException((overrides.containsKey(key) ? "from a " + ENV_PREFIX + " variable or a flag" : source) + ": "
              + config.getMessage(), config);
        }
      }
      String key = e.getPath().isEmpty() ? null : e.getPath().get(e.getPath().size() - 1).getFieldName();
      if (key != null && overrides.containsKey(key)) {
        // The value came from a SLUICE_NODE_ variable or a flag, not from the file.
        throw new ConfigException(key + " = '" + overrides.get(key) + "' (from a " + ENV_PREFIX + " variable or a flag): "
            + e.getOriginalMessage(), e);
      }
      throw new ConfigException(source + ": " + e.getOriginalMessage() + " at " + e.getPathReference(), e);
    } catch (IOException e) {
      throw new ConfigException(source + " cannot be read: " + e.getMessage(), e);
    }
  }

  /** Environment variables that set keys: this prefix, then the key in upper snake case ({@code SLUICE_NODE_DATA_DIR}). */
  public static final String ENV_PREFIX = "SLUICE_NODE_";

  /**
   * The keys that {@code env}'s {@link #ENV_PREFIX} variables set, as overrides for {@link #load}:
   * {@code SLUICE_NODE_PEERS} takes comma-separated addresses. A variable that names no key is an error.
   */
  public static Map<String, Object> fromEnvironment(Map<String, String> env) {
    Map<String, Object> keys = new java.util.TreeMap<>();
    Set<String> known = scalarKeys();
    env.forEach((name, value) -> {
      if (!name.startsWith(ENV_PREFIX)) {
        return;
      }
      String suffix = name.substring(ENV_PREFIX.length());
      if (!suffix.matches("[A-Z0-9]+(_[A-Z0-9]+)*")) {
        throw new ConfigException("environment variable " + name + " is not SLUICE_NODE_ and a key in upper snake case");
      }
      String key = camelCase(suffix);
      if (value.isBlank()) {
        throw new ConfigException("environment variable " + name + " is empty; unset it to keep the file's " + key);
      }
      if (key.equals("peers")) {
        keys.put(key, java.util.Arrays.stream(value.split(",", -1)).map(String::strip).toList());
      } else if (known.contains(key)) {
        keys.put(key, value);
      } else {
        throw new ConfigException("environment variable " + name + " names no configuration key that the environment can set ('"
            + key + "'); known: " + new java.util.TreeSet<>(known) + ", peers (raftProperties only in the file)");
      }
    });
    return keys;
  }

  /** The builder's keys that take one value (every key but the raftProperties map). */
  private static Set<String> scalarKeys() {
    Set<String> keys = new java.util.HashSet<>();
    for (java.lang.reflect.Method m : NodeConfig.Builder.class.getMethods()) {
      if (m.getReturnType() == NodeConfig.Builder.class && m.getParameterCount() == 1
          && !java.util.Collection.class.isAssignableFrom(m.getParameterTypes()[0]) && !Map.class.isAssignableFrom(m.getParameterTypes()[0])) {
        keys.add(m.getName());
      }
    }
    return keys;
  }

  private static String camelCase(String upperSnake) {
    StringBuilder key = new StringBuilder();
    for (String word : upperSnake.toLowerCase(java.util.Locale.ROOT).split("_")) {
      key.append(key.length() == 0 ? word : word.isEmpty() ? "" : Character.toUpperCase(word.charAt(0)) + word.substring(1));
    }
    return key.toString();
  }

  /**
   * Checks before anything is written that the data directory can be used: a directory this user can
   * read and write, or a path that can be created (its nearest existing parent is a writable directory).
   */
  public static void checkDataDir(Path dataDir) {
    Path dir = dataDir.toAbsolutePath();
    if (Files.exists(dir)) {
      if (!Files.isDirectory(dir)) {
        throw new ConfigException("dataDir " + dataDir + " is a file, not a directory");
      }
      if (!Files.isReadable(dir) || !Files.isWritable(dir) || !Files.isExecutable(dir)) {
        throw new ConfigException("dataDir " + dataDir + " is not readable and writable by this user");
      }
      return;
    }
    Path parent = dir.getParent();
    while (parent != null && !Files.exists(parent)) {
      parent = parent.getParent();
    }
    if (parent == null || !Files.isDirectory(parent) || !Files.isWritable(parent) || !Files.isExecutable(parent)) {
      throw new ConfigException("dataDir " + dataDir + " cannot be created: " + parent + " is not a writable directory");
    }
  }

  private static ObjectNode readTree(Path file) {
    if (!Files.isReadable(file)) {
      throw new ConfigException("config file " + file + " does not exist or is not readable");
    }
    try {
      var node = YAML.readTree(file.toFile());
      if (node == null || node.isMissingNode() || node.isNull()) {
        return YAML.createObjectNode();
      }
      if (!node.isObject()) {
        throw new ConfigException("config file " + file + " must be a YAML mapping of keys to values");
      }
      return (ObjectNode) node;
    } catch (IOException e) {
      throw new ConfigException("config file " + file + " is not valid YAML: " + e.getMessage(), e);
    }
  }
}
