package io.sluice.node.bench;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.FileAppender;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the log of the nodes a bench runs in its own JVM to a file instead of the console, so that
 * the bench's own output stays readable, and turns on Ratis' INFO lines about snapshots (taken, sent,
 * installed), which say where the time of an install goes; {@link #close} puts both back. Does
 * nothing if SLF4J is not bound to Logback.
 */
final class NodeLogFile implements AutoCloseable {
  private static final List<String> SNAPSHOT_LOGGERS = List.of("org.apache.ratis.grpc.server.GrpcLogAppender",
      "org.apache.ratis.server.impl.SnapshotInstallationHandler", "org.apache.ratis.server.impl.StateMachineUpdater");

  private final ch.qos.logback.classic.Logger root;
  private final List<Appender<ILoggingEvent>> detached = new ArrayList<>();
  private final Map<ch.qos.logback.classic.Logger, Level> levels = new LinkedHashMap<>();
  private final FileAppender<ILoggingEvent> file;

  private NodeLogFile(ch.qos.logback.classic.Logger root, FileAppender<ILoggingEvent> file) {
    this.root = root;
    this.file = file;
  }

  static NodeLogFile redirect(Path path) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return new NodeLogFile(null, null);
    }
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern("%d{HH:mm:ss.SSS} %-5level [%thread] %logger{24} - %msg%n");
    encoder.start();
    FileAppender<ILoggingEvent> file = new FileAppender<>();
    file.setContext(context);
    file.setName("bench-node-log");
    file.setFile(path.toString());
    file.setEncoder(encoder);
    file.start();
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    NodeLogFile redirect = new NodeLogFile(root, file);
    for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
      redirect.detached.add(it.next());
    }
    redirect.detached.forEach(root::detachAppender);
    root.addAppender(file);
    for (String name : SNAPSHOT_LOGGERS) {
      ch.qos.logback.classic.Logger logger = context.getLogger(name);
      redirect.levels.put(logger, logger.getLevel());
      logger.setLevel(Level.INFO);
    }
    return redirect;
  }

  @Override
  public void close() {
    if (root == null) {
      return;
    }
    levels.forEach(ch.qos.logback.classic.Logger::setLevel);
    detached.forEach(root::addAppender);
    root.detachAppender(file);
    file.stop();
  }
}
