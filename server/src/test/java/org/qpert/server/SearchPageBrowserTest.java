package org.qpert.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.engine.CaptionIndex;
import org.qpert.engine.GalleryIndex;
import org.qpert.engine.ModelEngine;
import org.qpert.engine.StoredImage;
import org.qpert.loaders.store.EmbeddingStore;

/**
 * The search page in a real headless Chromium against a server on the tiny model: the page submits a query (carried
 * in its URL, through the same form handler as typing), both columns of the Q-Perturbation comparison render with
 * loaded thumbnails and drawn boxes, and a screenshot is kept at {@code target/search-page.png}. Skips, saying so,
 * where no chromium is installed (CI installs Debian's chromium).
 */
@Timeout(300)
class SearchPageBrowserTest {
    static final Path SCREENSHOT = Path.of("target", "search-page.png");

    @TempDir
    Path dir;

    @Test
    void queryRendersBothColumnsWithThumbnailsAndBoxes() throws Exception {
        Optional<Path> chromium = chromium();
        Assumptions.assumeTrue(chromium.isPresent(), "SKIPPED: no chromium on PATH (or QPERT_CHROMIUM); install "
                + "Debian's chromium (apt-get install chromium) to run the search page test, as .ci/run does");
        TinyGallery tiny = TinyGallery.create(dir, 8);
        try (ModelEngine engine = TinyGallery.engine(tiny.model);
             EmbeddingStore store = EmbeddingStore.open(tiny.store, StoredImage.spec(engine), 1)) {
            QPertServer server = QPertServer.start(GalleryIndex.load(engine, store),
                    CaptionIndex.of(engine, tiny.gallery.captions()), ServerOptions.defaults().withPort(0));
            try {
                String url = "http://127.0.0.1:" + server.port() + "/?compare=1&top=6&q="
                        + URLEncoder.encode(tiny.gallery.captions().get(0), StandardCharsets.UTF_8);
                String dom = run(chromium.get(), "--dump-dom", url);
                assertTrue(dom.contains("data-state=\"done\""), "the search finished:\n" + tail(dom));
                assertEquals(12, count(dom, "class=\"result\""), "6 results in each of the two columns");
                assertTrue(dom.contains("data-qpert=\"true\"") && dom.contains("data-qpert=\"false\""),
                        "with and without Q-Perturbation side by side");
                assertEquals(12, count(dom, "data-loaded=\"true\""), "every thumbnail loaded:\n" + tail(dom));
                assertTrue(count(dom, "class=\"box\"") > 0, "object boxes are drawn");
                assertTrue(count(dom, "class=\"scores\">score ") == 12, "scores are shown");

                Files.createDirectories(SCREENSHOT.getParent());
                Files.deleteIfExists(SCREENSHOT);
                run(chromium.get(), "--screenshot=" + SCREENSHOT.toAbsolutePath(), url);
                assertTrue(Files.size(SCREENSHOT) > 10_000, "screenshot written: " + SCREENSHOT);
            } finally {
                server.close();
            }
        }
    }

    private String run(Path chromium, String mode, String url) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars", "--window-size=1280,1100",
                "--user-data-dir=" + Files.createTempDirectory(dir, "chromium-profile"),
                // Virtual time runs until the page is idle (fetches and image loads count as busy), at most 20 s.
                "--virtual-time-budget=20000", mode, url));
        Path out = Files.createTempFile(dir, "chromium", ".out");
        Path err = Files.createTempFile(dir, "chromium", ".err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish in 90 s: " + tail(Files.readString(err)));
        }
        String stdout = Files.readString(out);
        assertEquals(0, p.exitValue(), "chromium failed: " + tail(Files.readString(err)));
        return stdout;
    }

    static Optional<Path> chromium() {
        String explicit = System.getenv("QPERT_CHROMIUM");
        if (explicit != null && Files.isExecutable(Path.of(explicit))) {
            return Optional.of(Path.of(explicit));
        }
        String path = System.getenv().getOrDefault("PATH", "");
        return Stream.of(path.split(File.pathSeparator)).flatMap(d -> Stream.of("chromium", "chromium-browser")
                .map(n -> Path.of(d, n))).filter(Files::isExecutable).findFirst();
    }

    private static int count(String text, String needle) {
        Matcher m = Pattern.compile(Pattern.quote(needle)).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    private static String tail(String s) {
        return s.length() <= 3000 ? s : s.substring(s.length() - 3000);
    }
}
