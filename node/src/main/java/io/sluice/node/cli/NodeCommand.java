package io.sluice.node.cli;

import io.sluice.node.NodeConfig;
import io.sluice.node.NodeConfigFile;
import io.sluice.node.NodeRejoin;
import io.sluice.node.SluiceNode;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sluice node --config FILE [overrides] [--join | --rejoin]}: runs one node until the process is stopped. */
@Command(name = "node", mixinStandardHelpOptions = true, description = {"Run one Sluice node in the foreground.",
    "Keys come from the file, then SLUICE_NODE_<KEY> environment variables (SLUICE_NODE_DATA_DIR, SLUICE_NODE_PEERS=a:1,b:2),"
        + " then --set, then the named flags."})
final class NodeCommand implements Callable<Integer> {
  /** The node stopped by itself: removed from the cluster, or its apply thread failed. */
  private static final int STOPPED_ITSELF = 1;

  @Option(names = "--config", description = "YAML configuration file")
  Path config;

  @Option(names = "--cluster", description = "cluster name (all nodes and clients must agree)")
  String cluster;

  @Option(names = "--address", description = "host:port for Raft peers and clients")
  String address;

  @Option(names = "--admin-address", description = "host:port for admin HTTP")
  String adminAddress;

  @Option(names = "--data-dir", description = "directory for the Raft log and the store")
  String dataDir;

  @Option(names = "--peers", split = ",", description = "every member's host:port, comma-separated")
  String[] peers;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "any configuration key, as in the file; repeatable")
  Map<String, String> settings = new LinkedHashMap<>();

  @Option(names = "--join", description = "start with no membership and wait for the leader to add this node"
      + " (sluice admin add-node); --peers then lists existing members. No effect on a node that has data")
  boolean join;

  @Option(names = "--rejoin", description = "for a node whose disk was lost or damaged: have the cluster remove it,"
      + " delete its Raft log and store, start it with no membership and have it added back")
  boolean rejoin;

  @Override
  public Integer call() throws InterruptedException, java.util.concurrent.ExecutionException {
    NodeConfig nodeConfig = NodeConfigFile.load(config, overrides(System.getenv()));
    NodeConfigFile.checkDataDir(nodeConfig.dataDir());
    LoggerFactory.getLogger(NodeCommand.class).info("effective configuration: {}", nodeConfig);
    SluiceNode node = rejoin ? NodeRejoin.rejoin(nodeConfig, NodeRejoin.TIMEOUT) : SluiceNode.start(nodeConfig);
    CompletableFuture<Integer> exitCode = new CompletableFuture<>();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      node.close();
      exitCode.complete(0);
    }, "shutdown"));
    node.whenStoppedItself().thenAccept(reason -> {
      System.err.println("sluice node: stopped: " + reason);
      exitCode.complete(STOPPED_ITSELF);
    });
    return exitCode.get();
  }

  /** What overrides the file: {@code SLUICE_NODE_*} environment variables, then {@code --set}, then the named flags. */
  Map<String, Object> overrides(Map<String, String> env) {
    Map<String, Object> overrides = new LinkedHashMap<>(NodeConfigFile.fromEnvironment(env));
    overrides.putAll(settings);
    if (cluster != null) overrides.put("cluster", cluster);
    if (address != null) overrides.put("address", address);
    if (adminAddress != null) overrides.put("adminAddress", adminAddress);
    if (dataDir != null) overrides.put("dataDir", dataDir);
    if (peers != null) overrides.put("peers", Arrays.asList(peers));
    if (join || rejoin) overrides.put("join", true);
    return overrides;
  }
}
