package org.parley.verticles.gateway;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.parley.core.Bytes;
import org.parley.core.ParleyException;
import org.parley.core.bus.Addresses;
import org.parley.core.bus.Addresses.Concern;
import org.parley.core.bus.DeliveryMessage;
import org.parley.core.bus.FailureCodes;
import org.parley.core.bus.Ping;
import org.parley.core.bus.Status;
import org.parley.core.identity.NodeId;
import org.parley.core.time.Clock;
import org.parley.delivery.envelope.InboxId;
import org.parley.delivery.envelope.MessageId;
import org.parley.delivery.invite.Invite;
import org.parley.delivery.service.DeliveryConfig;
import org.parley.delivery.service.DeliveryMetrics;
import org.parley.delivery.service.DeliveryService;
import org.parley.delivery.service.EnvelopeRouter;
import org.parley.delivery.service.InMemoryDeliveryStore;
import org.parley.verticles.config.NodeConfig;
import org.parley.verticles.node.Node;
import org.parley.verticles.node.VertxScheduler;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real gap report on the web page: the node's user (alice, a real {@link DeliveryService} behind
 * the real gateway) gets messages from bob (a second real service in the same verticle; their
 * envelopes go straight from one to the other). Two of bob's messages are lost for good (their
 * envelopes never reach alice, resends included), a later one arrives; once alice's gap bound is up
 * her service stores and emits the gap notice, and the page shows it as a system line, not a bubble.
 * Timeouts are short (reorder wait 300 ms, receipt timeout 1 s: bound 4.3 s) so this takes seconds.
 */
@Tag("browser")
class GapPageIT {
    static final Path SCREENS = Path.of("target", "screens");
    static final HttpClient HTTP = HttpClient.newHttpClient();

    /** Alice (answers the gateway, publishes her events) and bob, wired to each other; bob's envelopes of {@link #lost} never arrive. */
    static final class TwoParties extends VerticleBase {
        DeliveryService alice;
        DeliveryService bob;
        final Set<String> lost = ConcurrentHashMap.newKeySet();
        final List<Runnable> held = new ArrayList<>();
        volatile boolean holding;
        final Set<String> droppedSends = ConcurrentHashMap.newKeySet();

        static DeliveryConfig config(String name) {
            return new DeliveryConfig(name, 60_000, true, 1_000, 1_000, 100, 2_000, 50, 300, DeliveryConfig.DAY, 1);
        }

        @Override
        public Future<?> start() {
            var bus = vertx.eventBus();
            Context ctx = context;
            alice = new DeliveryService(config("alice"), new InMemoryDeliveryStore(), new Link(ctx, () -> bob, false),
                    e -> bus.publish(Addresses.DELIVERY_EVENTS, e), Clock.system(), new VertxScheduler(ctx), new SecureRandom(), DeliveryMetrics.NONE);
            bob = new DeliveryService(config("bob"), new InMemoryDeliveryStore(), new Link(ctx, () -> alice, true),
                    e -> { }, Clock.system(), new VertxScheduler(ctx), new SecureRandom(), DeliveryMetrics.NONE);
            Invite.Relay ra = new Invite.Relay(NodeId.ofIdentityKey(Bytes.wrap(new byte[]{1})), "127.0.0.1:1");
            Invite.Relay rb = new Invite.Relay(NodeId.ofIdentityKey(Bytes.wrap(new byte[]{2})), "127.0.0.1:2");
            return Future.fromCompletionStage(alice.start(List.of(ra)), ctx)
                    .compose(v -> Future.fromCompletionStage(bob.start(List.of(rb)), ctx))
                    .compose(v -> Future.join(List.of(
                            bus.<Ping>consumer(Concern.DELIVERY.pingAddress(), m -> m.reply(new Status("delivery", "local", "UP", Map.of()))).completion(),
                            bus.<DeliveryMessage>consumer(Addresses.DELIVERY_API, this::api).completion())));
        }

        private void api(Message<DeliveryMessage> m) {
            alice.handle(m.body()).whenComplete((r, e) -> {
                if (e == null) {
                    m.reply(r);
                    return;
                }
                Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                m.fail(FailureCodes.of(c instanceof ParleyException pe ? pe.kind() : ParleyException.Kind.INTERNAL), String.valueOf(c.getMessage()));
            });
        }

        /** Runs {@code call} on the verticle's context (the services are single-threaded) and waits for it. */
        <T> T onContext(Supplier<CompletionStage<T>> call) throws Exception {
            CompletableFuture<T> f = new CompletableFuture<>();
            context.runOnContext(v -> call.get().whenComplete((r, e) -> {
                if (e != null) f.completeExceptionally(e);
                else f.complete(r);
            }));
            return f.get(15, TimeUnit.SECONDS);
        }

        /** From now on bob's envelopes wait here (so the ids of the messages to lose are known before any goes out). */
        void hold() throws Exception {
            onContext(() -> {
                holding = true;
                return CompletableFuture.completedFuture(null);
            });
        }

        /** Loses {@code ids} for good and lets every other held envelope go. */
        void loseAndRelease(List<String> ids) throws Exception {
            onContext(() -> {
                lost.addAll(ids);
                holding = false;
                List<Runnable> go = new ArrayList<>(held);
                held.clear();
                go.forEach(Runnable::run);
                return CompletableFuture.completedFuture(null);
            });
        }

        /** One direction of the "network": stores at once, hands the envelope to the other side a moment later. */
        final class Link implements EnvelopeRouter {
            final Context ctx;
            final Supplier<DeliveryService> to;
            final boolean fromBob;

            Link(Context ctx, Supplier<DeliveryService> to, boolean fromBob) {
                this.ctx = ctx;
                this.to = to;
                this.fromBob = fromBob;
            }

            @Override
            public CompletionStage<SendOutcome> sendToInbox(Invite.Relay relay, InboxId inbox, MessageId messageId, Bytes envelope) {
                String id = messageId.value().hex();
                Runnable forward = () -> {
                    if (fromBob && lost.contains(id)) {
                        droppedSends.add(id); // expired at alice's inbox relay: never pushed
                        return;
                    }
                    vertx.setTimer(5, t -> to.get().onInbound(envelope, List.of("guard", "middle")));
                };
                if (fromBob && holding) held.add(forward);
                else ctx.runOnContext(v -> forward.run());
                return CompletableFuture.completedFuture(new SendOutcome("STORED", List.of("guard", "middle", "relay")));
            }

            @Override
            public CompletionStage<List<String>> openInbox(Invite.Relay relay, InboxId inbox, Bytes authSeed) {
                return CompletableFuture.completedFuture(List.of("guard", "middle", "relay"));
            }
        }
    }

    @Test
    void lostMessagesShowAsASystemLineInTheConversation(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(new File("/usr/bin/chromedriver").canExecute(), "/usr/bin/chromedriver is not installed");
        Assumptions.assumeTrue(new File("/usr/bin/chromium").canExecute(), "/usr/bin/chromium is not installed");
        Files.createDirectories(SCREENS);
        NodeConfig cfg = NodeConfig.defaults().withDataDir(dir).withPorts(0, 0)
                .withCluster(false, 0, List.of(), EnumSet.complementOf(EnumSet.of(Concern.DELIVERY)));
        Node node = Node.start(cfg).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        try {
            TwoParties net = new TwoParties();
            node.vertx().deployVerticle(net).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            String base = "http://127.0.0.1:" + node.gatewayPort();
            String token = GatewayToken.read(dir.resolve(GatewayToken.FILE_NAME)).value();

            // bob adds alice's invite; alice learns bob from his card
            String invite = net.alice.me().invite();
            String aliceAtBob = net.onContext(() -> net.bob.addContact(invite, "alice")).contactId();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            String bobAtAlice = null;
            while (bobAtAlice == null && System.nanoTime() < until) {
                DeliveryMessage.Contacts cs = (DeliveryMessage.Contacts) net.onContext(() -> net.alice.handle(new DeliveryMessage.ListContacts()));
                bobAtAlice = cs.contacts().stream().filter(c -> c.name().equals("bob")).map(DeliveryMessage.ContactView::contactId).findFirst().orElse(null);
                if (bobAtAlice == null) Thread.sleep(100);
            }
            assertThat(bobAtAlice).as("alice learned bob from his card").isNotNull();

            ChromeOptions opts = new ChromeOptions().setBinary("/usr/bin/chromium")
                    .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,800");
            ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
            WebDriver driver = new ChromeDriver(service, opts);
            try {
                WebDriverWait wait = (WebDriverWait) new WebDriverWait(driver, Duration.ofSeconds(30))
                        .ignoring(org.openqa.selenium.StaleElementReferenceException.class);
                driver.get(base + "/#token=" + token);
                wait.until(ExpectedConditions.textToBe(By.id("conn"), "connected"));
                wait.until(d -> {
                    d.findElement(By.xpath("//ul[@id='chats']/li[.//span[@class='name' and text()='bob']]")).click();
                    return d.findElement(By.id("conv-title")).getText().equals("bob");
                });

                send(net, aliceAtBob, "one");
                wait.until(ExpectedConditions.presenceOfElementLocated(By.xpath("//div[contains(@class,'msg') and contains(@class,'in') and contains(., 'one')]")));

                net.hold();
                List<String> lose = List.of(send(net, aliceAtBob, "two"), send(net, aliceAtBob, "three"));
                net.loseAndRelease(lose);
                send(net, aliceAtBob, "four");
                wait.until(ExpectedConditions.presenceOfElementLocated(By.xpath("//div[contains(@class,'msg') and contains(@class,'in') and contains(., 'four')]")));

                // the gap bound (reorder wait + 4 receipt timeouts = 4.3 s) is up: the event `gap` brings the system entry
                By system = By.cssSelector("#messages .msg.system[data-direction='system']");
                WebElement line = wait.until(ExpectedConditions.presenceOfElementLocated(system));
                assertThat(line.getText()).startsWith("2 messages from bob did not arrive");
                assertThat(line.getAttribute("class").split("\\s+")).contains("system").doesNotContain("in", "out");
                assertThat(line.findElements(By.cssSelector(".tick"))).isEmpty();
                assertThat(line.getCssValue("align-self")).isEqualTo("center");
                assertThat(line.getCssValue("text-align")).isEqualTo("center");
                assertThat(net.droppedSends).containsAll(lose); // the two really were sent and never reached alice
                List<WebElement> all = driver.findElements(By.cssSelector("#messages .msg"));
                assertThat(all.get(all.size() - 1).getAttribute("data-direction")).isEqualTo("system"); // after "four"
                assertThat(driver.findElements(By.xpath("//div[contains(@class,'msg') and (contains(., 'two') or contains(., 'three'))]"))).isEmpty();
                shot(driver, "gap-desktop.png");

                // the gateway lists it with the conversation (direction system, not unread), and a reload renders it the same way
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/conversations/" + bobAtAlice + "/messages?limit=100"))
                        .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
                JsonArray listed = new JsonObject(r.body()).getJsonArray("messages");
                List<String> directions = listed.stream().map(o -> ((JsonObject) o).getString("direction")).toList();
                assertThat(directions).containsExactlyInAnyOrder("in", "in", "system");
                driver.navigate().refresh();
                wait.until(ExpectedConditions.textToBe(By.id("conn"), "connected"));
                wait.until(d -> {
                    d.findElement(By.xpath("//ul[@id='chats']/li[.//span[@class='name' and text()='bob']]")).click();
                    return !d.findElements(system).isEmpty();
                });
                assertThat(driver.findElement(system).getText()).startsWith("2 messages from bob did not arrive");
                assertThat(driver.findElements(By.cssSelector("#messages .msg.system"))).hasSize(1);
            } finally {
                driver.quit();
            }
        } finally {
            node.stop().toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
        }
    }

    private static String send(TwoParties net, String conversationId, String text) throws Exception {
        DeliveryMessage r = net.onContext(() -> net.bob.handle(new DeliveryMessage.SendText(conversationId, text)));
        return ((DeliveryMessage.MessageReply) r).message().messageId();
    }

    static void shot(WebDriver driver, String name) throws Exception {
        byte[] png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
        Files.write(SCREENS.resolve(name), png);
    }
}
