/**
 * The Java client users embed: {@link io.sluice.client.SluiceClient} connects to a cluster from a
 * connection string; databases and collections offer MongoDB-style CRUD with MongoDB's own
 * {@code Filters}/{@code Updates} builders. Talks to nodes only through Ratis' client; knows nothing
 * of the server's internals.
 */
package io.sluice.client;
