package io.sluice.chaos.cluster;

import com.fasterxml.jackson.databind.JsonNode;

/** The fields of a node's {@code /status} that the harness looks at; {@code digest} is null unless asked for. */
public record NodeStatus(String role, long term, long commitIndex, long appliedIndex, String digest) {
  static NodeStatus of(JsonNode json) {
    return new NodeStatus(json.path("role").asText(), json.path("term").asLong(), json.path("commitIndex").asLong(),
        json.path("appliedIndex").asLong(), json.path("digest").textValue());
  }

  public boolean isLeader() {
    return "LEADER".equals(role);
  }
}
