package io.sluice.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The files in {@code deploy/}: the Kubernetes manifests read as Kubernetes' typed objects, the systemd unit verified. */
class DeployFilesTest {
  private static final Path DEPLOY = Path.of("..", "deploy").toAbsolutePath().normalize();
  private static final Map<String, Class<? extends HasMetadata>> KINDS =
      Map.of("Service", Service.class, "StatefulSet", StatefulSet.class, "PodDisruptionBudget", PodDisruptionBudget.class);

  @Test
  void theKubernetesManifestsAreValidObjectsOfAHeadlessParallelClusterWithReadinessAndABudget() throws Exception {
    List<HasMetadata> objects = manifests(DEPLOY.resolve("k8s/sluice.yaml"));
    assertThat(objects).extracting(HasMetadata::getKind).containsExactly("Service", "StatefulSet", "PodDisruptionBudget");

    Service service = (Service) objects.get(0);
    assertThat(service.getSpec().getClusterIP()).isEqualTo("None");
    assertThat(service.getSpec().getPublishNotReadyAddresses()).isTrue();

    StatefulSet set = (StatefulSet) objects.get(1);
    assertThat(set.getSpec().getServiceName()).isEqualTo(service.getMetadata().getName());
    assertThat(set.getSpec().getPodManagementPolicy()).isEqualTo("Parallel");
    assertThat(set.getSpec().getSelector().getMatchLabels()).isEqualTo(service.getSpec().getSelector());
    Container node = set.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(node.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(node.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/livez");
    int replicas = set.getSpec().getReplicas();
    String peers = node.getArgs().stream().filter(a -> a.startsWith("--peers=")).findFirst().orElseThrow();
    String address = node.getArgs().stream().filter(a -> a.startsWith("--address=")).findFirst().orElseThrow();
    assertThat(peers.split(",")).as("one peer per replica").hasSize(replicas);
    assertThat(address).contains("$(POD_NAME).sluice.$(POD_NAMESPACE)");
    for (int i = 0; i < replicas; i++) {
      assertThat(peers).contains("sluice-" + i + ".sluice.$(POD_NAMESPACE).svc.cluster.local:7000");
    }

    PodDisruptionBudget budget = (PodDisruptionBudget) objects.get(2);
    assertThat(budget.getSpec().getMinAvailable().getIntVal()).as("a majority").isEqualTo(replicas / 2 + 1);
  }

  @Test
  void theSystemdUnitVerifies() throws Exception {
    assumeThat(Files.isExecutable(Path.of("/usr/bin/systemd-analyze"))).as("systemd-analyze is installed").isTrue();
    Process verify = new ProcessBuilder("systemd-analyze", "verify", DEPLOY.resolve("systemd/sluice.service").toString())
        .redirectErrorStream(true).start();
    String output = new String(verify.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(verify.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(verify.exitValue()).as(output).isZero();
    assertThat(output).as("no warnings").isBlank();
  }

  /** Every document of a manifest file as its typed Kubernetes object, refusing fields the schema does not have. */
  private static List<HasMetadata> manifests(Path file) throws Exception {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory()).disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    List<HasMetadata> objects = new ArrayList<>();
    try (var documents = yaml.readerFor(JsonNode.class).<JsonNode>readValues(file.toFile())) {
      while (documents.hasNext()) {
        JsonNode document = documents.next();
        String kind = document.path("kind").asText();
        assertThat(KINDS).as("a kind this test knows").containsKey(kind);
        HasMetadata object = yaml.treeToValue(document, KINDS.get(kind));
        assertNoUnknownFields(object, kind);
        objects.add(object);
      }
    }
    return objects;
  }

  /** Kubernetes' model keeps fields it does not know in "additional properties": there must be none anywhere. */
  private static void assertNoUnknownFields(Object value, String path) throws IllegalAccessException, InvocationTargetException {
    if (value instanceof Collection<?> items) {
      int i = 0;
      for (Object item : items) {
        assertNoUnknownFields(item, path + "[" + i++ + "]");
      }
    } else if (value instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        assertNoUnknownFields(e.getValue(), path + "." + e.getKey());
      }
    } else if (value != null && value.getClass().getPackageName().startsWith("io.fabric8.kubernetes.api.model")) {
      for (Method getter : value.getClass().getMethods()) {
        if (getter.getParameterCount() == 0 && getter.getName().startsWith("get") && getter.getDeclaringClass() == value.getClass()) {
          Object field = getter.invoke(value);
          if (getter.getName().equals("getAdditionalProperties")) {
            assertThat((Map<?, ?>) field).as("fields of %s that Kubernetes does not know", path).isEmpty();
          } else {
            assertNoUnknownFields(field, path + "." + getter.getName().substring(3));
          }
        }
      }
    }
  }
}
