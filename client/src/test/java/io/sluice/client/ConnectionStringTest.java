package io.sluice.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.protocol.ClusterNaming;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ConnectionStringTest {

  @Test
  void singleHostGetsDefaultClusterAndTimeout() {
    ConnectionString cs = ConnectionString.parse("sluice://127.0.0.1:7101");
    assertThat(cs.addresses()).containsExactly("127.0.0.1:7101");
    assertThat(cs.clusterName()).isEqualTo(ClusterNaming.DEFAULT_CLUSTER_NAME);
    assertThat(cs.timeout()).isEqualTo(Duration.ofSeconds(15));
  }

  @Test
  void threeHostsKeepTheirOrder() {
    ConnectionString cs = ConnectionString.parse("sluice://a:7101,b:7102,c:7103");
    assertThat(cs.addresses()).containsExactly("a:7101", "b:7102", "c:7103");
  }

  @Test
  void spacesAroundHostsAreTrimmed() {
    assertThat(ConnectionString.parse("sluice://a:1, b:2").addresses()).containsExactly("a:1", "b:2");
  }

  @Test
  void clusterAndTimeoutOptionsAreRead() {
    ConnectionString cs = ConnectionString.parse("sluice://a:7101,b:7102,c:7103/?cluster=x&timeoutMS=500");
    assertThat(cs.addresses()).containsExactly("a:7101", "b:7102", "c:7103");
    assertThat(cs.clusterName()).isEqualTo("x");
    assertThat(cs.timeout()).isEqualTo(Duration.ofMillis(500));
  }

  @Test
  void optionsWithoutSlashAndUrlEncodedClusterName() {
    ConnectionString cs = ConnectionString.parse("sluice://h:1?cluster=my%20cluster");
    assertThat(cs.clusterName()).isEqualTo("my cluster");
    assertThat(cs.timeout()).isEqualTo(Duration.ofSeconds(15));
  }

  @Test
  void trailingSlashWithoutOptionsIsAccepted() {
    assertThat(ConnectionString.parse("sluice://h:65535/").addresses()).containsExactly("h:65535");
  }

  @Test
  void ipv6AddressSplitsAtTheLastColon() {
    assertThat(ConnectionString.parse("sluice://[::1]:7101").addresses()).containsExactly("[::1]:7101");
  }

  @Test
  void toStringListsSchemeAndHosts() {
    assertThat(ConnectionString.parse("sluice://a:1,b:2/?cluster=x")).hasToString("sluice://a:1,b:2");
  }

  @Test
  void addressesAreImmutable() {
    ConnectionString cs = ConnectionString.parse("sluice://a:1");
    assertThatThrownBy(() -> cs.addresses().add("b:2")).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void constructorRejectsEmptyAddressList() {
    assertThatThrownBy(() -> new ConnectionString(List.of(), "x", Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one host:port");
  }

  static Stream<Arguments> malformed() {
    return Stream.of(
        Arguments.of("no scheme", "localhost:7101", "sluice://"),
        Arguments.of("wrong scheme", "mongodb://localhost:7101", "mongodb://localhost:7101"),
        Arguments.of("null", null, "sluice://"),
        Arguments.of("empty host list", "sluice://", "'' in connection string"),
        Arguments.of("empty host list before options", "sluice:///?cluster=x", "'' in connection string"),
        Arguments.of("empty host between commas", "sluice://a:1,,b:2", "'' in connection string"),
        Arguments.of("host without port", "sluice://localhost", "'localhost'"),
        Arguments.of("port without host", "sluice://:7101", "':7101'"),
        Arguments.of("empty port", "sluice://h:", "'h:'"),
        Arguments.of("non-numeric port", "sluice://h:http", "'h:http'"),
        Arguments.of("negative port", "sluice://h:-1", "'h:-1'"),
        Arguments.of("port above 65535", "sluice://h:65536", "'h:65536'"),
        Arguments.of("six-digit port", "sluice://a:1,h:100000", "'h:100000'"),
        Arguments.of("unknown option", "sluice://h:1/?cluster=x&retries=3", "'retries'"),
        Arguments.of("option of wrong case", "sluice://h:1/?timeoutms=5", "'timeoutms'"),
        Arguments.of("timeoutMS zero", "sluice://h:1/?timeoutMS=0", "'0'"),
        Arguments.of("timeoutMS non-numeric", "sluice://h:1/?timeoutMS=soon", "'soon'"),
        Arguments.of("timeoutMS negative", "sluice://h:1/?timeoutMS=-5", "'-5'"),
        Arguments.of("timeoutMS empty", "sluice://h:1/?timeoutMS=", "''"),
        Arguments.of("timeoutMS too long", "sluice://h:1/?timeoutMS=10000000000", "'10000000000'"));
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("malformed")
  void malformedStringIsRejectedNamingTheBadPart(String what, String text, String namedInMessage) {
    assertThatThrownBy(() -> ConnectionString.parse(text))
        .as(what)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(namedInMessage);
  }

  @Test
  void timeoutMessageSaysWhatIsExpected() {
    assertThatThrownBy(() -> ConnectionString.parse("sluice://h:1/?timeoutMS=0"))
        .hasMessageContaining("timeoutMS must be a positive number of milliseconds");
  }

  @Test
  void unknownOptionMessageListsKnownOptions() {
    assertThatThrownBy(() -> ConnectionString.parse("sluice://h:1/?foo=bar"))
        .hasMessageContaining("'foo'").hasMessageContaining("cluster and timeoutMS");
  }
}
