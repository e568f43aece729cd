package io.sluice.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad input to {@code sluice insert|find|update|delete} is one clear line and exit code 2, before any node is contacted. */
class DocumentCommandsTest {

  static Stream<Arguments> badInput() {
    return Stream.of(
        Arguments.of(new String[] {"insert", "orders", "{}"}, "NAMESPACE must be db.collection, got 'orders'"),
        Arguments.of(new String[] {"find", "shop.", "{}"}, "NAMESPACE must be db.collection, got 'shop.'"),
        Arguments.of(new String[] {"insert", "shop.orders"}, "Missing required parameter: 'DOCUMENT'"),
        Arguments.of(new String[] {"insert", "shop.orders", "{\"_id\": 1}", "{oops"}, "DOCUMENT is not valid JSON"),
        Arguments.of(new String[] {"find", "shop.orders", "[1, 2]"}, "FILTER is not valid JSON"),
        Arguments.of(new String[] {"insert", "shop.orders", "{\"_id\": 1} {\"_id\": 2}"}, "DOCUMENT has text after the document: '{\"_id\": 2}'"),
        Arguments.of(new String[] {"find", "shop.orders", "{total: 1}}"}, "FILTER has text after the document: '}'"),
        Arguments.of(new String[] {"find", "shop.orders", "--sort", "{total: }"}, "--sort is not valid JSON"),
        Arguments.of(new String[] {"find", "shop.orders", "--projection", "nope"}, "--projection is not valid JSON"),
        Arguments.of(new String[] {"find", "shop.orders", "--limit", "-1"}, "--limit and --skip must be 0 or more"),
        Arguments.of(new String[] {"find", "shop.orders", "--limit", "ten"}, "Invalid value for option '--limit'"),
        Arguments.of(new String[] {"update", "shop.orders", "{}"}, "Missing required parameter: 'UPDATE'"),
        Arguments.of(new String[] {"update", "shop.orders", "{}", "{\"$set\": "}, "UPDATE is not valid JSON"),
        Arguments.of(new String[] {"delete", "shop.orders"}, "Missing required parameter: 'FILTER'"),
        Arguments.of(new String[] {"delete", "shop.orders", "{}", "--bogus"}, "Unknown option: '--bogus'"));
  }

  @ParameterizedTest
  @MethodSource("badInput")
  void badInputIsOneClearErrorAndExitCode2(String[] command, String message) {
    String[] args = Stream.concat(Stream.of(command), Stream.of("--connect", "sluice://127.0.0.1:1")).toArray(String[]::new);
    CliRunner.Result result = CliRunner.capture(args);
    assertThat(result.exitCode()).as(result.err()).isEqualTo(2);
    assertThat(result.err()).contains(message);
    assertThat(result.err().lines()).as("one line").hasSize(1);
    assertThat(result.out()).isEmpty();
  }
}
