package io.sluice.node;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The node's logback.xml: one text line per event, or with SLUICE_LOG_FORMAT=JSON one JSON object per event. */
class LoggingConfigTest {

  @ParameterizedTest
  @ValueSource(strings = {"TEXT", "JSON"})
  void eachFormatWritesOneLinePerEvent(String format) throws Exception {
    String out = logOnce(format);
    assertThat(out.lines()).hasSize(1);
    if (format.equals("JSON")) {
      JsonNode event = new ObjectMapper().readTree(out);
      assertThat(event.path("level").asText()).isEqualTo("INFO");
      assertThat(event.path("loggerName").asText()).isEqualTo("io.sluice.test");
      assertThat(event.path("message").asText()).isEqualTo("hello from a {} node");
      assertThat(event.path("formattedMessage").asText()).isEqualTo("hello from a " + format + " node");
    } else {
      assertThat(out).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  \\[.+\\] io\\.sluice\\.test - hello from a TEXT node\\R");
    }
  }

  private String logOnce(String format) throws Exception {
    LoggerContext context = new LoggerContext();
    context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
    context.putProperty("SLUICE_LOG_FORMAT", format);
    PrintStream stdout = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      JoranConfigurator configurator = new JoranConfigurator();
      configurator.setContext(context);
      configurator.doConfigure(SluiceNode.class.getResource("/logback.xml"));
      context.getLogger("io.sluice.test").info("hello from a {} node", format);
    } finally {
      context.stop();
      System.setOut(stdout);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }
}
