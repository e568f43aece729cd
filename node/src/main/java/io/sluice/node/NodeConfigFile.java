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
import java.util.Map;

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
          throw new ConfigException(source + ": " + config.getMessage(), config);
        }
      }
      throw new ConfigException(source + ": " + e.getOriginalMessage() + " at " + e.getPathReference(), e);
    } catch (IOException e) {
      throw new ConfigException(source + " cannot be read: " + e.getMessage(), e);
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
