package io.sluice.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/** Bad input to {@code sluice watch} is one clear line and exit code 2, before any node is contacted. */
class WatchCommandTest {

  static Stream<Arguments> badInput() {
    return Stream.of(
        Arguments.of(new String[] {"--filter", "{not json"}, "--filter is not valid JSON"),
        Arguments.of(new String[] {"--pipeline", "{\"$match\": {}}"}, "--pipeline must be a JSON array"),
        Arguments.of(new String[] {"--pipeline", "[1]"}, "--pipeline stages must be JSON objects"),
        Arguments.of(new String[] {"--resume-after", "XYZ"}, "bad resume token"),
        Arguments.of(new String[] {"--start-after", "{\"_data\": 5}"}, "bad resume token"),
        Arguments.of(new String[] {"--bogus"}, "Unknown option: '--bogus'"));
  }

  @ParameterizedTest
  @MethodSource("badInput")
  void badInputIsOneClearErrorAndExitCode2(String[] options, String message) {
    StringWriter err = new StringWriter();
    CommandLine cli = SluiceCli.commandLine();
    cli.setErr(new PrintWriter(err));
    String[] args = Stream.concat(Stream.of("watch", "shop.orders", "--connect", "sluice://127.0.0.1:1"), Stream.of(options))
        .toArray(String[]::new);
    assertThat(cli.execute(args)).isEqualTo(2);
    assertThat(err.toString()).contains(message);
  }
}
