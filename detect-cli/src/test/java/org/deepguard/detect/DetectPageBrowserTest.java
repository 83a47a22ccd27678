package org.deepguard.detect;

import org.deepguard.core.model.Detector;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.model.Prediction;
import org.deepguard.core.testing.TestImages;
import org.deepguard.core.testing.TinyModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The page in a real headless Chromium: upload through the file input, read the verdict and check the overlay image
 * decoded. Skipped where Debian's chromium and chromium-driver are not installed ({@code .ci/install-browser.sh}
 * installs them). Selenium Manager never runs: driver and browser paths are given explicitly and it is set offline.
 * A screenshot of the scored page is left in {@code target/browser/} for people to look at.
 */
class DetectPageBrowserTest {
    static final Path CHROMIUM = Path.of(System.getProperty("deepguard.chromium", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getProperty("deepguard.chromedriver", "/usr/bin/chromedriver"));

    @TempDir
    static Path dir;
    static ModelBundle bundle;
    static Detector detector;
    static DetectServer server;
    static WebDriver driver;
    static String missing;

    @BeforeAll
    static void setUp() throws Exception {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            // Checked per test (below) so that each one is reported as skipped, with this reason.
            missing = "headless browser test skipped: " + CHROMIUM + " or " + CHROMEDRIVER
                    + " missing (install them with .ci/install-browser.sh)";
            return;
        }
        bundle = TinyModels.tinyBundle(dir.resolve("model"), 32, 1);
        detector = new Detector(bundle);
        server = new DetectServer(detector, GradCamOverlay.forBundle(bundle),
                new DetectServer.Settings(1 << 20, 1_000_000, 2)).start("127.0.0.1", 0);

        System.setProperty("SE_OFFLINE", "true"); // belt and braces: Selenium Manager is not even started
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1000,1100",
                "--user-data-dir=" + Files.createDirectories(dir.resolve("chromium-profile")));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
    }

    @AfterAll
    static void tearDown() {
        if (driver != null) {
            driver.quit();
        }
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void needsBrowser() {
        assumeTrue(missing == null, missing);
    }

    WebDriverWait waiting() {
        return new WebDriverWait(driver, Duration.ofSeconds(60));
    }

    @Test
    void uploadShowsVerdictProbabilityAndOverlay() throws Exception {
        BufferedImage img = TestImages.texture(48, 4);
        Path file = TestImages.png(dir.resolve("face.png"), img);
        Prediction expected = detector.predict(img);

        driver.get("http://127.0.0.1:" + server.port() + "/");
        assertEquals("deepguard: real or AI-generated?", driver.getTitle());
        driver.findElement(By.id("file")).sendKeys(file.toString());

        WebElement verdict = waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("verdict")));
        String label = switch (expected.verdict()) {
            case REAL -> "Real";
            case FAKE -> "Fake";
            case UNCERTAIN -> "Uncertain";
        };
        assertEquals(label, verdict.getText());
        assertEquals(String.format(java.util.Locale.ROOT, "%.4f", expected.pFake()), driver.findElement(By.id("pfake")).getText());
        assertEquals("48 x 48 px, face.png", driver.findElement(By.id("size")).getText());

        WebElement overlay = waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("overlay")));
        assertTrue(overlay.getAttribute("src").startsWith("data:image/png;base64,"));
        Object decoded = waiting().until(d -> ((JavascriptExecutor) d).executeScript(
                "const i = arguments[0]; return i.complete && i.naturalWidth > 0 ? i.naturalWidth : null;", overlay));
        assertEquals(32L, ((Number) decoded).longValue(), "overlay is drawn at the model's input size");
        screenshot("page-scored.png");

        // then the whole score explained, from a second request: its map, its shares, its faithfulness
        waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("why")));
        assertTrue(driver.findElement(By.id("score-map")).getAttribute("src").startsWith("data:image/png;base64,"));
        assertTrue(driver.findElement(By.id("chart")).getAttribute("src").startsWith("data:image/png;base64,"));
        String split = driver.findElement(By.id("split")).getText();
        assertTrue(split.startsWith(String.format(java.util.Locale.ROOT, "Log-odds %+.2f", expected.logOdds())),
                split);
        assertTrue(driver.findElement(By.id("faith")).getText().contains("deletion AUC"));
        screenshot("page-explained.png");
    }

    @Test
    void droppingAFileOnTheBoxScoresIt() throws Exception {
        // WebDriver cannot drag from the desktop; the page sees the same DragEvent a real drop makes.
        BufferedImage img = TestImages.texture(36, 9);
        Path file = TestImages.png(dir.resolve("dropped.png"), img);
        String b64 = java.util.Base64.getEncoder().encodeToString(Files.readAllBytes(file));
        driver.get("http://127.0.0.1:" + server.port() + "/");
        ((JavascriptExecutor) driver).executeScript(
                "const bytes = Uint8Array.from(atob(arguments[0]), c => c.charCodeAt(0));"
                        + "const dt = new DataTransfer();"
                        + "dt.items.add(new File([bytes], 'dropped.png', {type: 'image/png'}));"
                        + "document.getElementById('drop').dispatchEvent("
                        + "new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));", b64);
        waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("verdict")));
        assertEquals(String.format(java.util.Locale.ROOT, "%.4f", detector.predict(img).pFake()), driver.findElement(By.id("pfake")).getText());
        assertEquals("36 x 36 px, dropped.png", driver.findElement(By.id("size")).getText());
    }

    @Test
    void videoUploadShowsTheVerdictAndAStripOfFrames() throws Exception {
        Path clip = org.deepguard.core.testing.TestVideos.pngAvi(dir.resolve("clip.avi"), 8, 4.0,
                k -> TestImages.texture(32, 300 + k));
        driver.get("http://127.0.0.1:" + server.port() + "/");
        driver.findElement(By.id("file")).sendKeys(clip.toString());
        waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("verdict")));
        waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("strip")));
        assertEquals(DetectServer.VIDEO_FRAMES, driver.findElements(By.cssSelector("#strip figure")).size());
        assertTrue(driver.findElement(By.id("size")).getText().startsWith("2 s video, 8 frames scored"),
                driver.findElement(By.id("size")).getText());
        screenshot("page-video.png");
    }

    @Test
    void textFileNamedPngShowsTheReasonInsteadOfAVerdict() throws Exception {
        Path text = TestImages.textNamedPng(dir.resolve("notes.png"));
        driver.get("http://127.0.0.1:" + server.port() + "/");
        driver.findElement(By.id("file")).sendKeys(text.toString());
        WebElement error = waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("error")));
        assertEquals("notes.png: content is not an image", error.getText());
        assertTrue(!driver.findElement(By.id("result")).isDisplayed());
        screenshot("page-error.png");
    }

    private static void screenshot(String name) throws Exception {
        File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Path out = Files.createDirectories(Path.of("target", "browser")).resolve(name);
        Files.copy(shot.toPath(), out, StandardCopyOption.REPLACE_EXISTING);
    }
}
