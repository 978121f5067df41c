package org.qpert.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.qpert.engine.CaptionIndex;
import org.qpert.engine.GalleryIndex;
import org.qpert.engine.RetrievalEngine;
import org.qpert.engine.StoredImage;
import org.qpert.index.LuceneItc;
import org.qpert.loaders.store.EmbeddingStore;
import org.qpert.server.QPertServer;
import org.qpert.server.ServerOptions;
import org.qpert.loaders.Inputs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code qpert serve}: the HTTP JSON API and search page over a store, until SIGINT/SIGTERM. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve a store over HTTP until stopped (Ctrl-C / SIGTERM drain running requests first): "
                + "POST /v1/search, POST /v1/search/image, POST /v1/images, GET /v1/health, GET /metrics, and the "
                + "search page at /.",
                "Use the model, perturbation and detector flags the store was made with; a missing store is created "
                        + "empty (fill it with POST /v1/images or 'qpert embed'). With --detector, images sent "
                        + "without boxes get the detected ones. With --index exact or hnsw, the index is caught up "
                        + "with the store at start and given every image added."})
public final class ServeCommand implements Callable<Integer> {
    @Mixin
    ModelOption model;

    @Option(names = "--store", required = true, paramLabel = "DIR", description = "Embedding store to serve.")
    Path store;

    @Option(names = "--captions", paramLabel = "FILE", description = "Captions (one per line) that image searches "
            + "rank when the request brings none.")
    Path captions;

    @Option(names = "--host", paramLabel = "ADDR", defaultValue = "127.0.0.1",
            description = "Address to listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 for all).")
    String host;

    @Option(names = "--port", paramLabel = "N", defaultValue = "8080", description = "Port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--workers", paramLabel = "N", description = "Requests running the model at once (default: one "
            + "per two cores).")
    Integer workers;

    @Option(names = "--queue", paramLabel = "N", defaultValue = "64",
            description = "Requests that may wait for a worker; more get 503 (default: ${DEFAULT-VALUE}).")
    int queue;

    @Option(names = "--max-body-mb", paramLabel = "MB", defaultValue = "16",
            description = "Largest request body; larger get 413 (default: ${DEFAULT-VALUE}).")
    int maxBodyMb;

    @Mixin
    IndexOptions index;

    @Mixin
    EngineOptions engineOptions;

    @Override
    public Integer call() throws Exception {
        engineOptions.check();
        index.check();
        new Inputs().model("--model", model.given()).file("--captions", captions).model("--detector", engineOptions.detector)
                .checkOutputFolder("--store", store);
        ServerOptions defaults = ServerOptions.defaults();
        ServerOptions options = defaults.withHost(host).withPort(port)
                .withPool(workers != null ? workers : defaults.workers(), queue)
                .withMaxBodyBytes((long) maxBodyMb << 20);
        List<String> captionList = captions == null ? null
                : Files.readAllLines(captions, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
        try (RetrievalEngine engine = engineOptions.load(model.dir());
             EmbeddingStore s = EmbeddingStore.open(store, StoredImage.spec(engine, store, null), 1);
             LuceneItc itc = index.forWriter(s)) {
            CaptionIndex captionIndex = captionList == null ? null : CaptionIndex.of(engine, captionList);
            GalleryIndex gallery = itc == null ? GalleryIndex.load(engine, s) : GalleryIndex.load(engine, s, itc);
            QPertServer server = QPertServer.start(gallery, captionIndex, options);   // logs the start line
            CountDownLatch stopped = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                server.close();
                stopped.countDown();
            }, "qpert-serve-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            stopped.await();
        }
        return 0;
    }
}
