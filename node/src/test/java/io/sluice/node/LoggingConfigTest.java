package io.sluice.node;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The node's logback.xml: one text line per event, or with SLUICE_LOG_FORMAT=JSON one JSON object per event. */
class LoggingConfigTest {

  @ParameterizedTest
  @ValueSource(strings = {"TEXT", "JSON"})
  void eachFormatHasItsOwnAppenderAndWritesOneLinePerEvent(String format) throws Exception {
    LoggerContext context = new LoggerContext();
    context.setMDCAdapter(new LogbackMDCAdapter());
    context.putProperty("SLUICE_LOG_FORMAT", format);
    try {
      JoranConfigurator configurator = new JoranConfigurator();
      configurator.setContext(context);
      configurator.doConfigure(SluiceNode.class.getResource("/logback.xml"));
      assertThat(new ch.qos.logback.core.status.StatusUtil(context).getHighestLevel(0))
          .as("no warning (logback would print its whole status on every command)").isLessThan(ch.qos.logback.core.status.Status.WARN);
      Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
      OutputStreamAppender<?> appender = (OutputStreamAppender<?>) root.getAppender("LOG");
      assertThat(appender).isNotNull();
      assertThat(appender.getEncoder()).isInstanceOf(format.equals("JSON") ? ch.qos.logback.classic.encoder.JsonEncoder.class
          : ch.qos.logback.classic.encoder.PatternLayoutEncoder.class);
      assertThat(((ch.qos.logback.core.ConsoleAppender<?>) appender).getTarget()).isEqualTo("System.err");

      LoggingEvent event = new LoggingEvent(Logger.FQCN, context.getLogger("io.sluice.test"), Level.INFO, "hello from a {} node", null,
          new Object[] {format});
      @SuppressWarnings("unchecked")
      byte[] bytes = ((ch.qos.logback.core.encoder.Encoder<LoggingEvent>) appender.getEncoder()).encode(event);
      String out = new String(bytes, StandardCharsets.UTF_8);
      assertThat(out.lines()).hasSize(1);
      if (format.equals("JSON")) {
        JsonNode json = new ObjectMapper().readTree(out);
        assertThat(json.path("level").asText()).isEqualTo("INFO");
        assertThat(json.path("loggerName").asText()).isEqualTo("io.sluice.test");
        assertThat(json.path("formattedMessage").asText()).isEqualTo("hello from a JSON node");
      } else {
        assertThat(out).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  \\[.+\\] io\\.sluice\\.test - hello from a TEXT node\\R");
      }
    } finally {
      context.stop();
    }
  }
}
