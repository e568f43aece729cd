package io.sluice.node.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** SLUICE_LOG_FORMAT: TEXT unless set, JSON in any case; anything else is refused rather than losing every log line. */
class SluiceCliLogFormatTest {

  @Test
  void unsetOrBlankIsTextAndCaseDoesNotMatter() {
    assertThat(SluiceCli.logFormat(null)).isEqualTo("TEXT");
    assertThat(SluiceCli.logFormat(" ")).isEqualTo("TEXT");
    assertThat(SluiceCli.logFormat("json")).isEqualTo("JSON");
    assertThat(SluiceCli.logFormat("Text")).isEqualTo("TEXT");
  }

  @Test
  void anyOtherValueIsRefusedByName() {
    assertThatThrownBy(() -> SluiceCli.logFormat("yaml")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("SLUICE_LOG_FORMAT must be TEXT or JSON, got 'yaml'");
  }
}
