package org.parley.verticles.tls;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.SSLEngineOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.parley.core.Bytes;
import org.parley.core.identity.NodeId;
import org.parley.core.identity.NodeIdentity;

import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Peer links with libp2p-style link certificates between the two TLS engines a node may run:
 * BoringSSL (netty-tcnative, where its native library loads) and the JDK's. Nodes of both kinds
 * must link both ways, each learning the other's identity from its certificate, and a peer that
 * is not the one dialed is refused under either engine.
 */
class TlsEngineInteropIT {
    final SecureRandom random = new SecureRandom();
    final NodeIdentity server = NodeIdentity.generate(random);
    final NodeIdentity client = NodeIdentity.generate(random);
    Vertx vertx;

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    static SSLEngineOptions engine(String name) {
        return name.equals("openssl") ? new OpenSSLEngineOptions() : new JdkSSLEngineOptions();
    }

    NetServer listen(String engine, CompletableFuture<NodeId> clientSeen) throws Exception {
        NetServerOptions o = new NetServerOptions().setHost("127.0.0.1").setPort(0).setSsl(true)
                .setKeyCertOptions(IdentityTls.linkKeyCert(server)).setTrustOptions(IdentityTls.pinned(id -> true))
                .setClientAuth(ClientAuth.REQUIRED).setSslEngineOptions(engine(engine));
        o.getSslOptions().setEnabledSecureTransportProtocols(Set.of("TLSv1.3"));
        NetServer s = vertx.createNetServer(o).connectHandler(sock -> {
            clientSeen.complete(peer(sock));
            sock.handler(b -> sock.write(Buffer.buffer("echo:").appendBuffer(b)));
        });
        return s.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    NetSocket dial(String engine, int port, NodeId expect) throws Exception {
        NetClientOptions o = new NetClientOptions().setSsl(true).setHostnameVerificationAlgorithm("")
                .setKeyCertOptions(IdentityTls.linkKeyCert(client)).setTrustOptions(IdentityTls.pinned(expect::equals))
                .setSslEngineOptions(engine(engine)).setConnectTimeout(5_000);
        o.getSslOptions().setEnabledSecureTransportProtocols(Set.of("TLSv1.3"));
        NetClient c = vertx.createNetClient(o);
        return c.connect(port, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    static NodeId peer(NetSocket sock) {
        try {
            return IdentityTls.nodeIdOf((X509Certificate) sock.peerCertificates().get(0));
        } catch (Exception e) {
            return null;
        }
    }

    @ParameterizedTest(name = "server {0}, client {1}")
    @CsvSource({"openssl,openssl", "openssl,jdk", "jdk,openssl", "jdk,jdk"})
    void linksAuthenticateBothWaysAcrossEngines(String serverEngine, String clientEngine) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(!serverEngine.equals("openssl") && !clientEngine.equals("openssl")
                || OpenSSLEngineOptions.isAvailable(), "netty-tcnative's native library does not load on this platform");
        CompletableFuture<NodeId> clientSeen = new CompletableFuture<>();
        NetServer s = listen(serverEngine, clientSeen);
        NetSocket sock = dial(clientEngine, s.actualPort(), server.nodeId());
        assertThat(peer(sock)).isEqualTo(server.nodeId());
        assertThat(clientSeen.get(10, TimeUnit.SECONDS)).isEqualTo(client.nodeId());
        CompletableFuture<String> reply = new CompletableFuture<>();
        sock.handler(b -> reply.complete(b.toString()));
        sock.write(Buffer.buffer(Bytes.of(new byte[]{'h', 'i'}).toArray()));
        assertThat(reply.get(10, TimeUnit.SECONDS)).isEqualTo("echo:hi");
        sock.close();

        // dialing someone else under that address: the pin refuses the server's identity
        NodeId other = NodeIdentity.generate(random).nodeId();
        assertThatThrownBy(() -> dial(clientEngine, s.actualPort(), other)).hasStackTraceContaining("is not the one expected");
    }

    @org.junit.jupiter.api.Test
    void theNativeEngineLoadsOnLinuxX86() {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getProperty("os.name").toLowerCase().contains("linux")
                && System.getProperty("os.arch").matches("amd64|x86_64"), "only asserted where CI runs");
        assertThat(OpenSSLEngineOptions.isAvailable()).as("netty-tcnative BoringSSL on the class path and loadable").isTrue();
    }
}
