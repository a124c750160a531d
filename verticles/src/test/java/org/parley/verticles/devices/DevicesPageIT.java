package org.parley.verticles.devices;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.parley.core.Bytes;
import org.parley.core.bus.Addresses.Concern;
import org.parley.core.identity.NodeId;
import org.parley.delivery.device.LinkCodec;
import org.parley.delivery.envelope.InboxId;
import org.parley.delivery.handshake.InMemoryPreKeyStore;
import org.parley.delivery.identity.IdentityKeyPair;
import org.parley.delivery.invite.Invite;
import org.parley.verticles.config.NodeConfig;
import org.parley.verticles.gateway.GatewayToken;
import org.parley.verticles.node.Node;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The web page's Devices dialog in headless Chromium: the primary approves a pasted link code and unlinks the device. */
@Tag("browser")
class DevicesPageIT {
    static final Path SCREENS = Path.of("target", "screens");

    @Test
    void thePrimaryLinksAndUnlinksADeviceFromThePage(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(new File("/usr/bin/chromedriver").canExecute(), "/usr/bin/chromedriver is not installed");
        Assumptions.assumeTrue(new File("/usr/bin/chromium").canExecute(), "/usr/bin/chromium is not installed");
        Files.createDirectories(SCREENS);
        NodeConfig cfg = NodeConfig.defaults().withDataDir(dir).withPorts(0, 0)
                .withCluster(false, 0, List.of(), EnumSet.complementOf(EnumSet.of(Concern.DELIVERY)));
        Node node = Node.start(cfg).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        try {
            node.vertx().deployVerticle(new DevicesApiIT.LocalDelivery()).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            String base = "http://127.0.0.1:" + node.gatewayPort();
            String token = GatewayToken.read(dir.resolve(GatewayToken.FILE_NAME)).value();
            SecureRandom rnd = new SecureRandom();
            IdentityKeyPair laptop = IdentityKeyPair.generate(rnd);
            String code = LinkCodec.toCode(LinkCodec.create(laptop, new InMemoryPreKeyStore(laptop, rnd).bundle(false),
                    new Invite.ContactInbox(InboxId.random(rnd), List.of(new Invite.Relay(NodeId.ofIdentityKey(Bytes.wrap(new byte[]{2})), "127.0.0.1:2"))),
                    "Work laptop", System.currentTimeMillis() + 600_000, rnd));

            ChromeOptions opts = new ChromeOptions().setBinary("/usr/bin/chromium")
                    .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,800");
            ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
            WebDriver driver = new ChromeDriver(service, opts);
            try {
                WebDriverWait wait = (WebDriverWait) new WebDriverWait(driver, Duration.ofSeconds(30))
                        .ignoring(org.openqa.selenium.StaleElementReferenceException.class);
                driver.get(base + "/#token=" + token);
                wait.until(ExpectedConditions.textToBe(By.id("conn"), "connected"));
                driver.findElement(By.id("btn-devices")).click();
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("dlg-devices")));
                wait.until(d -> d.findElements(By.cssSelector("#devices-list li")).size() == 1);
                assertThat(driver.findElement(By.id("devices-list")).getText()).contains("alice").contains("this device");
                assertThat(driver.findElement(By.id("link-self")).isDisplayed()).isTrue(); // a solo device may also join another account

                driver.findElement(By.id("link-code")).sendKeys(code);
                driver.findElement(By.cssSelector("#form-link-approve button[type=submit]")).click();
                By laptopRow = By.xpath("//ul[@id='devices-list']/li[.//span[@class='name' and text()='Work laptop']]");
                wait.until(ExpectedConditions.presenceOfElementLocated(laptopRow));
                assertThat(driver.findElement(By.id("devices-list")).getText()).contains("primary");
                assertThat(driver.findElement(By.id("link-self")).isDisplayed()).isFalse(); // a primary with devices cannot join another
                shot(driver, "devices-linked.png");

                driver.findElement(laptopRow).findElement(By.cssSelector("button.danger")).click();
                wait.until(ExpectedConditions.alertIsPresent()).accept();
                wait.until(d -> d.findElement(laptopRow).getAttribute("class").contains("removed"));
                assertThat(driver.findElement(laptopRow).getText()).contains("unlinked");
                assertThat(driver.findElement(laptopRow).findElements(By.cssSelector("button.danger"))).isEmpty();
                assertThat(driver.findElement(By.id("devices-error")).getText()).isEmpty();
                shot(driver, "devices-unlinked.png");
            } finally {
                driver.quit();
            }
        } finally {
            node.stop().toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
        }
    }

    static void shot(WebDriver driver, String name) throws Exception {
        Files.write(SCREENS.resolve(name), ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
    }
}
