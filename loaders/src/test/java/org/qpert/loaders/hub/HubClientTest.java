package org.qpert.loaders.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.loaders.safetensors.SafetensorsFile;

/** The Hub client against a local server speaking the Hub's headers; no network beyond 127.0.0.1. */
@Timeout(60)
class HubClientTest {
    static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    static final HubModelId TINY = HubModelId.parse("org/tiny").orElseThrow();

    @TempDir
    Path dir;
    FakeHub hub;
    byte[] weights;
    byte[] config = "{\"model_type\": \"blip-2\"}".getBytes(StandardCharsets.UTF_8);
    byte[] vocab = "[PAD]\n[UNK]\n".getBytes(StandardCharsets.UTF_8);

    @BeforeEach
    void setUp() throws IOException {
        weights = new byte[700_000];
        new Random(7).nextBytes(weights);
        hub = new FakeHub("org/tiny", COMMIT).file("config.json", config, false).file("vocab.txt", vocab, false)
                .file("model.safetensors", weights, true).file("pytorch_model.bin", new byte[1000], true)
                .file("README.md", "# tiny".getBytes(StandardCharsets.UTF_8), false);
    }

    @AfterEach
    void tearDown() {
        hub.close();
    }

    HubSettings settings() {
        return new HubSettings(hub.endpoint(), dir.resolve("cache"), Optional.of("hf_secret"), false,
                Duration.ofSeconds(10), 3, Duration.ofMillis(10));
    }

    Path repo() {
        return dir.resolve("cache").resolve("models--org--tiny");
    }

    @Test
    void downloadsWhatAModelNeedsIntoTheHuggingfaceHubLayout() throws IOException {
        Path snap = new HubClient(settings()).snapshot(TINY);

        assertEquals(repo().resolve("snapshots").resolve(COMMIT), snap);
        assertArrayEquals(weights, Files.readAllBytes(snap.resolve("model.safetensors")));
        assertArrayEquals(config, Files.readAllBytes(snap.resolve("config.json")));
        assertArrayEquals(vocab, Files.readAllBytes(snap.resolve("vocab.txt")));
        assertTrue(Files.isSymbolicLink(snap.resolve("model.safetensors")));
        assertEquals(Path.of("../../blobs/" + FakeHub.sha256(weights)),
                Files.readSymbolicLink(snap.resolve("model.safetensors")));
        assertEquals(Path.of("../../blobs/" + FakeHub.gitSha1(config)),
                Files.readSymbolicLink(snap.resolve("config.json")));
        assertEquals(COMMIT, Files.readString(repo().resolve("refs").resolve("main")));
        assertTrue(Files.isRegularFile(dir.resolve("cache/.locks/models--org--tiny/" + FakeHub.sha256(weights)
                + ".lock")));
        assertFalse(Files.exists(snap.resolve("pytorch_model.bin")));
        assertFalse(Files.exists(snap.resolve("README.md")));
        assertEquals(0, hub.count("GET", "cdn", FakeHub.sha256(new byte[1000])), "pickled weights never fetched");
        for (FakeHub.Served s : hub.log) {
            if (s.server().equals("hub")) {
                assertEquals("Bearer hf_secret", s.authorization(), s.path());
            } else {
                assertNull(s.authorization(), "token sent to another host: " + s.path());
            }
        }

        long before = hub.log.size();
        assertEquals(snap, new HubClient(settings()).snapshot(TINY));
        assertEquals(before + 1, hub.log.size(), "a cached snapshot costs one file-list request");
    }

    @Test
    void aCutDownloadResumesWithRange() throws IOException {
        hub.cutFirstDownload = true;
        Path snap = new HubClient(settings()).snapshot(TINY);

        assertArrayEquals(weights, Files.readAllBytes(snap.resolve("model.safetensors")));
        assertEquals(2, hub.count("GET", "cdn", FakeHub.sha256(weights)));
        String range = hub.log.stream().filter(s -> s.server().equals("cdn") && s.range() != null).findFirst()
                .orElseThrow().range();
        // The cut leaves what reached the client (at most the half the server sent); the resume asks for the rest.
        long from = Long.parseLong(range.replaceAll("bytes=(\\d+)-", "$1"));
        assertTrue(from > 0 && from <= weights.length / 2, "resumed where the cut left it, not from 0: " + range);
        try (Stream<Path> blobs = Files.list(repo().resolve("blobs"))) {
            assertTrue(blobs.noneMatch(p -> p.toString().endsWith(".incomplete")));
        }
    }

    @Test
    void aBodyThatGoesSilentIsCutAfterTheTimeoutAndResumed() throws IOException {
        hub.stallFirstDownload = true;
        HubSettings quick = settings().withRetries(3, Duration.ofMillis(10), Duration.ofMillis(400));
        long start = System.nanoTime();
        Path snap = new HubClient(quick).snapshot(TINY);
        long ms = (System.nanoTime() - start) / 1_000_000;

        assertArrayEquals(weights, Files.readAllBytes(snap.resolve("model.safetensors")));
        assertEquals(2, hub.count("GET", "cdn", FakeHub.sha256(weights)), "one stalled GET, one resumed GET");
        String range = hub.log.stream().filter(s -> s.server().equals("cdn") && s.range() != null).findFirst()
                .orElseThrow().range();
        long from = Long.parseLong(range.replaceAll("bytes=(\\d+)-", "$1"));
        assertTrue(from > 0 && from <= weights.length / 2, "resumed after the stalled half: " + range);
        assertTrue(ms < 15_000, "the stall was cut by the 400 ms idle limit, not by the server's 30 s give-up: " + ms
                + " ms");
        assertFalse(Thread.currentThread().isInterrupted(), "the watchdog's interrupt does not leak to the caller");
    }

    @Test
    void aFileWhoseShaDiffersFromTheAnnouncedOneIsRefused() throws IOException {
        String announced = FakeHub.sha256("something else".getBytes(StandardCharsets.UTF_8));
        hub.announcedShaOverride = announced;
        HubException e = assertThrows(HubException.class, () -> new HubClient(settings()).snapshot(TINY));

        assertTrue(e.getMessage().contains("model.safetensors has SHA-256 " + FakeHub.sha256(weights)), e.getMessage());
        assertTrue(e.getMessage().contains(announced), e.getMessage());
        assertFalse(Files.exists(repo().resolve("blobs").resolve(announced)));
        assertFalse(Files.exists(repo().resolve("blobs").resolve(announced + ".incomplete")));
        assertFalse(Files.exists(repo().resolve("snapshots").resolve(COMMIT).resolve("model.safetensors")));
    }

    @Test
    void offlineReadsOnlyTheCache() throws IOException {
        HubSettings offline = settings().withOffline(true);
        HubException missing = assertThrows(HubException.class, () -> new HubClient(offline).snapshot(TINY));
        assertTrue(missing.getMessage().contains("HF_HUB_OFFLINE"), missing.getMessage());
        assertEquals(0, hub.log.size(), "offline sends nothing");

        Path snap = new HubClient(settings()).snapshot(TINY);
        long requests = hub.log.size();
        assertEquals(snap, new HubClient(offline).snapshot(TINY));
        assertEquals(snap, new HubClient(offline).snapshot(HubModelId.parse("org/tiny@" + COMMIT).orElseThrow()));
        assertEquals(requests, hub.log.size(), "offline sends nothing");
    }

    @Test
    void anUnreachableHubFallsBackToTheCache() throws IOException {
        Path snap = new HubClient(settings()).snapshot(TINY);
        URI dead = hub.endpoint();
        hub.close();
        assertEquals(snap, new HubClient(settings().withEndpoint(dead)).snapshot(TINY));
    }

    @Test
    void refusedAccessNamesHfToken() {
        hub.forcedStatus = 401;
        HubException e = assertThrows(HubException.class,
                () -> new HubClient(settings().withToken(null)).snapshot(TINY));
        assertTrue(e.getMessage().contains("HF_TOKEN"), e.getMessage());
        assertTrue(e.getMessage().contains("401"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertEquals(1, hub.log.size(), "a refusal is not retried");

        hub.forcedStatus = 403;
        HubException withToken = assertThrows(HubException.class, () -> new HubClient(settings()).snapshot(TINY));
        assertTrue(withToken.getMessage().contains("HF_TOKEN"), withToken.getMessage());
        assertFalse(withToken.getMessage().contains("hf_secret"), "the token itself is never printed");
    }

    @Test
    void aCacheFilledByPythonIsReused() throws IOException {
        // The layout huggingface_hub writes: blobs by ETag, relative links under snapshots/COMMIT, refs/main.
        Path blobs = Files.createDirectories(repo().resolve("blobs"));
        Path snap = Files.createDirectories(repo().resolve("snapshots").resolve(COMMIT));
        Files.write(blobs.resolve(FakeHub.sha256(weights)), weights);
        Files.write(blobs.resolve(FakeHub.gitSha1(config)), config);
        Files.write(blobs.resolve(FakeHub.gitSha1(vocab)), vocab);
        Files.createSymbolicLink(snap.resolve("model.safetensors"), Path.of("../../blobs/" + FakeHub.sha256(weights)));
        Files.createSymbolicLink(snap.resolve("config.json"), Path.of("../../blobs/" + FakeHub.gitSha1(config)));
        Files.createSymbolicLink(snap.resolve("vocab.txt"), Path.of("../../blobs/" + FakeHub.gitSha1(vocab)));
        Files.createDirectories(repo().resolve("refs"));
        Files.writeString(repo().resolve("refs").resolve("main"), COMMIT);

        assertEquals(snap, new HubClient(settings()).snapshot(TINY));
        assertEquals(0, hub.count("GET", "cdn", ""), "nothing downloaded");
        assertEquals(0, hub.count("GET", "hub", "/resolve/"), "nothing downloaded");
        assertEquals(snap, new HubClient(settings().withOffline(true)).snapshot(TINY));
    }

    @Test
    void aShardedCheckpointFetchesTheIndexAndItsShards() throws IOException {
        byte[] a = new byte[5000];
        byte[] b = new byte[7000];
        new Random(1).nextBytes(a);
        new Random(2).nextBytes(b);
        String index = "{\"metadata\":{},\"weight_map\":{\"x\":\"model-00001-of-00002.safetensors\","
                + "\"y\":\"model-00002-of-00002.safetensors\",\"z\":\"model-00001-of-00002.safetensors\"}}";
        try (FakeHub sharded = new FakeHub("org/big", COMMIT).file("config.json", config, false)
                .file("model.safetensors.index.json", index.getBytes(StandardCharsets.UTF_8), false)
                .file("model-00001-of-00002.safetensors", a, true).file("model-00002-of-00002.safetensors", b, true)
                .file("pytorch_model.bin.index.json", "{}".getBytes(StandardCharsets.UTF_8), false)) {
            Path snap = new HubClient(settings().withEndpoint(sharded.endpoint()))
                    .snapshot(HubModelId.parse("org/big").orElseThrow());
            assertArrayEquals(a, Files.readAllBytes(snap.resolve("model-00001-of-00002.safetensors")));
            assertArrayEquals(b, Files.readAllBytes(snap.resolve("model-00002-of-00002.safetensors")));
            assertFalse(Files.exists(snap.resolve("pytorch_model.bin.index.json")));
        }
    }

    @Test
    void aRepositoryWithOnlyPickledWeightsIsRefused() throws IOException {
        try (FakeHub pickled = new FakeHub("org/old", COMMIT).file("config.json", config, false)
                .file("pytorch_model.bin", new byte[10], true)) {
            HubException e = assertThrows(HubException.class, () -> new HubClient(settings()
                    .withEndpoint(pickled.endpoint())).snapshot(HubModelId.parse("org/old").orElseThrow()));
            assertTrue(e.getMessage().contains("pytorch_model.bin"), e.getMessage());
            assertEquals(0, pickled.count("GET", "cdn", ""));
        }
    }

    @Test
    void anOpenClipRepositoryFetchesItsConfigAndSafetensorsNotItsPickle() throws IOException {
        byte[] ocConfig = "{\"model_cfg\": {}}".getBytes(StandardCharsets.UTF_8);
        try (FakeHub oc = new FakeHub("laion/coca", COMMIT).file("open_clip_config.json", ocConfig, false)
                .file("open_clip_pytorch_model.safetensors", weights, true)
                .file("open_clip_pytorch_model.bin", new byte[1000], true)) {
            Path snap = new HubClient(settings().withEndpoint(oc.endpoint()))
                    .snapshot(HubModelId.parse("laion/coca").orElseThrow());
            assertArrayEquals(ocConfig, Files.readAllBytes(snap.resolve("open_clip_config.json")));
            assertArrayEquals(weights, Files.readAllBytes(snap.resolve("open_clip_pytorch_model.safetensors")));
            assertFalse(Files.exists(snap.resolve("open_clip_pytorch_model.bin")));
            assertEquals(0, oc.count("GET", "cdn", FakeHub.sha256(new byte[1000])), "the pickle is not fetched");
        }
    }

    @Test
    void openClipModelSafetensorsIsPreferred() throws HubException {
        assertEquals(List.of("open_clip_config.json", "open_clip_model.safetensors"), HubClient.needed(TINY,
                List.of("open_clip_config.json", "open_clip_pytorch_model.safetensors", "open_clip_model.safetensors",
                        "open_clip_pytorch_model.bin", "README.md")));
        HubException e = assertThrows(HubException.class,
                () -> HubClient.needed(TINY, List.of("open_clip_config.json", "README.md")));
        assertTrue(e.getMessage().contains("no weights"), e.getMessage());
        e = assertThrows(HubException.class, () -> HubClient.needed(TINY, List.of("README.md", "x.bin")));
        assertTrue(e.getMessage().contains("not a transformers or open_clip model repository"), e.getMessage());
    }

    /** open_clip's base CoCa repositories ship only the pickle: it is fetched and converted without being run. */
    @Test
    void aBaseOpenClipRepositoryWithOnlyThePickleIsConvertedInTheSnapshot() throws IOException {
        Path pickles = Path.of("src/test/resources/pickle");
        byte[] bin = Files.readAllBytes(pickles.resolve("state_dict.bin"));
        try (FakeHub base = new FakeHub("laion/coca-base", COMMIT).file("open_clip_pytorch_model.bin", bin, true)
                .file("README.md", new byte[3], false)) {
            HubModelId id = HubModelId.parse("laion/coca-base").orElseThrow();
            Path snap = new HubClient(settings().withEndpoint(base.endpoint())).snapshot(id);
            assertArrayEquals(bin, Files.readAllBytes(snap.resolve("open_clip_pytorch_model.bin")));
            try (SafetensorsFile converted = SafetensorsFile.open(snap.resolve("open_clip_pytorch_model.safetensors"));
                 SafetensorsFile expected = SafetensorsFile.open(pickles.resolve("state_dict.expected.safetensors"))) {
                assertEquals(expected.tensors().size(), converted.tensors().size());
                for (var t : expected.tensors()) {
                    assertEquals(expected.bytes(t.name()), converted.bytes(t.name()), t.name());
                }
            }
            // Offline, the converted snapshot is complete; with the conversion gone it is made again from the cache.
            Files.delete(snap.resolve("open_clip_pytorch_model.safetensors"));
            HubSettings offline = new HubSettings(base.endpoint(), dir.resolve("cache"), Optional.empty(), true,
                    Duration.ofSeconds(10), 3, Duration.ofMillis(10));
            assertEquals(snap, new HubClient(offline).snapshot(id));
            assertTrue(Files.isRegularFile(snap.resolve("open_clip_pytorch_model.safetensors")));
        }
    }

    @Test
    void aMaliciousOpenClipPickleIsRefusedAndNotConverted() throws IOException {
        byte[] evil = Files.readAllBytes(Path.of("src/test/resources/pickle/evil_os_system.bin"));
        try (FakeHub base = new FakeHub("laion/evil", COMMIT).file("open_clip_pytorch_model.bin", evil, true)) {
            HubException e = assertThrows(HubException.class, () -> new HubClient(settings()
                    .withEndpoint(base.endpoint())).snapshot(HubModelId.parse("laion/evil").orElseThrow()));
            assertTrue(e.getMessage().contains("refused global posix.system"), e.getMessage());
            assertFalse(Files.exists(Path.of("/tmp/qpert-pickle-was-executed")));
        }
    }

    @Test
    void settingsComeFromTheSameVariablesAsHuggingfaceHub() throws IOException {
        Path home = dir.resolve("home");
        assertEquals(home.resolve(".cache/huggingface/hub"), HubSettings.from(Map.of(), home).cache());
        assertEquals(Path.of("/h/hub"), HubSettings.from(Map.of("HF_HOME", "/h"), home).cache());
        assertEquals(Path.of("/c"), HubSettings.from(Map.of("HF_HOME", "/h", "HF_HUB_CACHE", "/c"), home).cache());
        assertEquals(URI.create("https://huggingface.co"), HubSettings.from(Map.of(), home).endpoint());
        assertEquals(URI.create("http://mirror:8080"),
                HubSettings.from(Map.of("HF_ENDPOINT", "http://mirror:8080/"), home).endpoint());
        assertTrue(HubSettings.from(Map.of("HF_HUB_OFFLINE", "1"), home).offline());
        assertFalse(HubSettings.from(Map.of("HF_HUB_OFFLINE", "0"), home).offline());

        Path hfHome = Files.createDirectories(dir.resolve("hfhome"));
        Files.writeString(hfHome.resolve("token"), "hf_fromfile\n");
        assertEquals(Optional.of("hf_fromfile"), HubSettings.from(Map.of("HF_HOME", hfHome.toString()), home).token());
        assertEquals(Optional.of("hf_env"),
                HubSettings.from(Map.of("HF_HOME", hfHome.toString(), "HF_TOKEN", "hf_env"), home).token());
        assertFalse(HubSettings.from(Map.of("HF_TOKEN", "hf_env"), home).toString().contains("hf_env"));
    }

    @Test
    void idsAndFolders() throws IOException {
        assertEquals(new HubModelId("Salesforce/blip2-itm-vit-g", "main"),
                HubModelId.parse("Salesforce/blip2-itm-vit-g").orElseThrow());
        assertEquals(new HubModelId("google/owlv2-base-patch16-ensemble", "v1.0"),
                HubModelId.parse("google/owlv2-base-patch16-ensemble@v1.0").orElseThrow());
        assertEquals("models--Salesforce--blip2-itm-vit-g",
                HubModelId.parse("Salesforce/blip2-itm-vit-g").orElseThrow().cacheFolder());
        assertTrue(HubModelId.parse("a/b/c").isEmpty());
        assertTrue(HubModelId.parse("/abs/path").isEmpty());
        assertTrue(HubModelId.parse("../x").isEmpty());
        assertTrue(HubModelId.parse("model").isEmpty());

        Path folder = Files.createDirectories(dir.resolve("org/tiny"));
        assertSame(folder, ModelSource.resolve(folder, settings()), "a folder wins over a Hub id");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelSource.resolve(dir.resolve("no/such/folder"), settings()));
        assertTrue(e.getMessage().contains("is neither a folder nor a Hub id"), e.getMessage());
        Path viaHub = ModelSource.resolve(Path.of("org/tiny"), settings());
        assertEquals(repo().resolve("snapshots").resolve(COMMIT), viaHub);
    }
}
