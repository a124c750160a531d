package org.parley.verticles.gateway;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The web page in headless Chromium against a node whose delivery is {@link FakeDelivery} (ticks advance on their own). */
@Tag("browser")
class WebPageIT {
    static final Path SCREENS = Path.of("target", "screens");

    @Test
    void sendsAMessageAndSeesItsTicksChange(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(new File("/usr/bin/chromedriver").canExecute(), "/usr/bin/chromedriver is not installed");
        Assumptions.assumeTrue(new File("/usr/bin/chromium").canExecute(), "/usr/bin/chromium is not installed");
        Files.createDirectories(SCREENS);
        try (GatewayFixture g = GatewayFixture.start(dir, "alice", true, 2_500)) {
            assertThat(g.post("/v1/contacts", "{\"invite\":\"parley://invite/bob/qwertyuiop\",\"name\":\"Bob\"}").statusCode()).isEqualTo(201);
            String carol = new JsonObject(g.post("/v1/contacts", "{\"invite\":\"parley://invite/carol/asdfghjkl\",\"name\":\"Carol Jones\"}").body()).getString("id");
            g.post("/v1/groups", new JsonObject().put("name", "Weekend trip").put("members", new io.vertx.core.json.JsonArray().add(carol)).encode());

            ChromeOptions opts = new ChromeOptions().setBinary("/usr/bin/chromium")
                    .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,800");
            ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
            WebDriver driver = new ChromeDriver(service, opts);
            try {
                // the page re-renders the conversation on every event: elements go stale, look them up again
                WebDriverWait wait = (WebDriverWait) new WebDriverWait(driver, Duration.ofSeconds(30))
                        .ignoring(org.openqa.selenium.StaleElementReferenceException.class);
                driver.get(g.base + "/#token=" + g.token);
                wait.until(ExpectedConditions.textToBe(By.id("conn"), "connected"));
                assertThat(driver.getCurrentUrl()).doesNotContain("token");
                assertThat(driver.findElement(By.id("me-name")).getText()).isEqualTo("alice");

                wait.until(ExpectedConditions.presenceOfElementLocated(By.xpath("//ul[@id='chats']/li[.//span[@class='name' and text()='Bob']]"))).click();
                WebElement text = wait.until(ExpectedConditions.elementToBeClickable(By.id("text")));
                text.sendKeys("Hi Bob! Meet at 7?", Keys.ENTER);
                By mine = By.xpath("//div[contains(@class,'msg') and contains(@class,'out') and contains(., 'Hi Bob! Meet at 7?')]");
                String first = wait.until(d -> d.findElement(mine).getAttribute("data-status"));
                assertThat(first).isIn("pending", "sent");
                wait.until(d -> "delivered".equals(d.findElement(mine).getAttribute("data-status"))
                        || "read".equals(d.findElement(mine).getAttribute("data-status")));
                wait.until(ExpectedConditions.presenceOfElementLocated(By.xpath("//div[contains(@class,'msg') and contains(@class,'in') and contains(., 'got it')]")));
                wait.until(d -> "read".equals(d.findElement(mine).getAttribute("data-status")));
                String ticks = wait.until(d -> d.findElement(mine).findElement(By.cssSelector(".tick.read")).getText());
                assertThat(ticks).isEqualTo("\u2713\u2713");
                text = driver.findElement(By.id("text"));
                text.sendKeys("And the tickets?", Keys.ENTER);
                wait.until(ExpectedConditions.presenceOfElementLocated(By.xpath("//div[contains(@class,'msg') and contains(@class,'out') and contains(., 'tickets')]")));
                wait.until(d -> {
                    d.findElement(mine).click();
                    return true;
                });
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("path-panel")));
                assertThat(driver.findElement(By.id("path-body")).getText()).contains("latency ms").contains("420");
                shot(driver, "chat-desktop.png");

                driver.manage().window().setSize(new Dimension(390, 844));
                Thread.sleep(300);
                driver.findElement(By.cssSelector("#path-panel [data-close]")).click();
                shot(driver, "chat-phone.png");
                driver.findElement(By.id("btn-back")).click();
                shot(driver, "list-phone.png");
                driver.manage().window().setSize(new Dimension(1280, 800));
                driver.findElement(By.id("btn-invite")).click();
                wait.until(d -> ((org.openqa.selenium.JavascriptExecutor) d).executeScript("return document.getElementById('qr').naturalWidth > 0").equals(Boolean.TRUE));
                assertThat(driver.findElement(By.id("invite")).getAttribute("value")).startsWith("parley://invite/alice/");
                shot(driver, "invite-desktop.png");
                driver.findElement(By.cssSelector("#dlg-invite form button")).click();

                // a group message: the route panel lists each member's status
                wait.until(d -> {
                    d.findElement(By.xpath("//ul[@id='chats']/li[.//span[@class='name' and text()='Weekend trip']]")).click();
                    return d.findElement(By.id("conv-title")).getText().equals("Weekend trip");
                });
                wait.until(ExpectedConditions.elementToBeClickable(By.id("text"))).sendKeys("Who brings the tent?", Keys.ENTER);
                By tent = By.xpath("//div[contains(@class,'msg') and contains(@class,'out') and contains(., 'tent')]");
                wait.until(d -> "delivered".equals(d.findElement(tent).getAttribute("data-status"))
                        || "read".equals(d.findElement(tent).getAttribute("data-status")));
                wait.until(d -> {
                    d.findElement(tent).click();
                    return d.findElement(By.id("path-body")).getText().contains("\u2192 Carol Jones");
                });
            } finally {
                driver.quit();
            }
        }
    }

    static void shot(WebDriver driver, String name) throws Exception {
        byte[] png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
        Files.write(SCREENS.resolve(name), png);
    }
}
