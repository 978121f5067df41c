package org.qpert.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.qpert.api.Detection;
import org.qpert.api.Detector;
import org.qpert.engine.DatasetLayout;
import org.qpert.engine.DemoModel;
import org.qpert.engine.DetectMode;
import org.qpert.engine.DetectionJob;
import org.qpert.engine.EvalReport;
import org.qpert.engine.Evaluator;
import org.qpert.engine.Gallery;
import org.qpert.engine.GalleryImage;
import org.qpert.engine.ModelEngine;
import org.qpert.engine.Rerank;
import org.qpert.engine.RetrievalEngine;
import org.qpert.engine.Searcher;
import org.qpert.engine.StoredImage;
import org.qpert.loaders.store.EmbeddingStore;
import org.qpert.loaders.synthetic.SyntheticDataset;
import org.qpert.loaders.Inputs;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code qpert demo}: embed, search and evaluate end to end in seconds on generated images (shapes with boxes and
 * captions, drawn by the synthetic generator in the jar) with the tiny random BLIP-2 bundled in the jar, or with
 * {@code --model DIR}.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run retrieval end to end on a few generated images with boxes and captions: embed them, "
                + "search by text and by image, and evaluate with and without Q-Perturbation.",
                "Without --model it uses a tiny BLIP-2 with RANDOM weights bundled in the jar: the rankings show the "
                        + "mechanics, not retrieval quality."})
public final class DemoCommand implements Callable<Integer> {
    static final String REAL_MODEL_HINT = "For real results, download the checkpoint (e.g. "
            + "'huggingface-cli download Salesforce/blip2-itm-vit-g --local-dir blip2-itm-vit-g') and run "
            + "'./qpert demo --model blip2-itm-vit-g', or evaluate it with "
            + "'./qpert eval --dataset flickr30k --root DIR --model blip2-itm-vit-g'.";

    @ArgGroup(exclusive = false)
    ModelOption model;

    @Option(names = "--images", paramLabel = "N", defaultValue = "12",
            description = "Generated images (default: ${DEFAULT-VALUE}).")
    int images;

    @Option(names = "--itm-k", paramLabel = "K",
            description = "ITM re-ranks the ITC top K (default: 64 where the model has an ITM head, else 0).")
    Integer itmK;

    @Option(names = "--keep", paramLabel = "DIR",
            description = "Write the generated dataset, store and report into DIR and keep them (default: a "
                    + "temporary folder, deleted at the end).")
    Path keep;

    @Mixin
    EngineOptions engineOptions;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Flags.within("--images", images, 2, 1000);
        if (itmK != null) {
            Flags.atLeast("--itm-k", itmK, 0);
        }
        engineOptions.check();
        new Inputs().model("--model", model == null ? null : model.given()).model("--detector", engineOptions.detector)
                .checkOutputFolder("--keep", keep);
        PrintWriter out = spec.commandLine().getOut();
        Path work = keep != null ? Files.createDirectories(keep) : Files.createTempDirectory("qpert-demo");
        try {
            Path modelDir = model != null ? model.dir()
                    : DemoModel.extract(work.resolve("tiny-blip2"));
            if (model == null) {
                out.println("qpert demo: bundled tiny BLIP-2 (56 px images, 8 queries, vocabulary of 100) with RANDOM "
                        + "weights.\nRankings below show the mechanics (embedding, boxes, Q-Perturbation, ITC, ITM "
                        + "re-ranking, metrics), not retrieval quality.\n" + REAL_MODEL_HINT + "\n");
            } else {
                out.println("qpert demo: model " + modelDir + "\n");
            }
            Path data = work.resolve("dataset");
            SyntheticDataset.write(data, SyntheticDataset.Layout.FLICKR30K, images, 0, 2024);
            Gallery gallery = DatasetLayout.FLICKR30K.load(data, null, 0);
            out.println("1. Generated " + gallery.images().size() + " images with " + gallery.captions().size()
                    + " captions and their boxes in " + data + "\n");
            out.flush();
            ModelEngine.Detection detection = detection(work);
            try (RetrievalEngine engine = engineOptions.load(modelDir, null)) {
                walkThrough(out, engine, gallery, work.resolve("store"), 2);
            }
            detectedBoxes(out, modelDir, gallery, detection, work);
            if (model == null) {
                out.println("\n6. The same gallery on the bundled tiny CoCa (open_clip's own class at toy sizes, RANDOM "
                        + "weights): one vector per image, no ITM head, so ranking is by ITC alone; Q-Perturbation "
                        + "acts on its attentional pooler through the same boxes.\n");
                try (RetrievalEngine coca = engineOptions.load(DemoModel.extractCoca(work.resolve("tiny-coca")),
                        null)) {
                    walkThrough(out, coca, gallery, work.resolve("store-coca"), 7);
                }
                out.println("\nReminder: the bundled model is random, so these numbers are near chance. "
                        + REAL_MODEL_HINT);
            }
            out.flush();
        } finally {
            if (keep == null) {
                deleteTree(work);
            }
        }
        return 0;
    }

    /** Steps {@code step}..{@code step}+2 on one model: embed and evaluate, search by text and by image, the report. */
    private void walkThrough(PrintWriter out, RetrievalEngine engine, Gallery gallery, Path storeDir, int step)
            throws IOException {
        // --itm-k is for the models with an ITM head; the others (the CoCa part) rank by ITC alone
        int itmK = Rerank.possible(engine, null) ? Rerank.depth(engine, null, this.itmK, 64) : 0;
        int searchK = Math.min(itmK, 16);
        EvalReport report = Evaluator.evaluate(engine, gallery, storeDir, itmK, 4,
                "qpert demo: " + gallery.images().size() + " generated images, " + engine.card().title());
        out.println(step + ". Embedded the images into the store " + storeDir + "\n");
        String text = gallery.captions().get(0);
        try (EmbeddingStore s = EmbeddingStore.open(storeDir, StoredImage.spec(engine), 4)) {
            out.println((step + 1) + ". Search by text \"" + text + "\" (its image is " + gallery.images().get(0).id()
                    + "):");
            SearchCommand.print(out, Searcher.text(engine, s, text, searchK, 3), searchK);
        }
        GalleryImage first = gallery.images().get(0);
        out.println("\n   Search by image " + first.id() + " (" + first.boxes().size()
                + " boxes) against all captions:");
        SearchCommand.print(out, Searcher.image(engine, first.file(), first.boxes(), gallery.captions(), searchK, 3),
                searchK);
        out.println("\n" + (step + 2) + ". Evaluation (spec/QPERT.md §7) on the generated gallery:\n");
        out.print(report.markdown());
        Path json = storeDir.resolveSibling(storeDir.getFileName().toString().replaceFirst("^store", "report")
                + ".json");
        report.writeJson(json);
        if (keep != null) {
            out.println("\nJSON report: " + json);
        }
    }

    /** The user's --detector, else the bundled tiny OWLv2; every image detected unless --detect says otherwise. */
    private ModelEngine.Detection detection(Path work) throws IOException {
        Path dir = engineOptions.detector != null ? engineOptions.detector
                : DemoModel.extractDetector(work.resolve("tiny-owlv2"));
        DetectMode mode = engineOptions.detect == null ? DetectMode.ALL : DetectMode.parse(engineOptions.detect);
        return new ModelEngine.Detection(dir, engineOptions.detectorOptions.settings(), mode);
    }

    /** Step 5: the same gallery with boxes from the detector, embedded into a second store and evaluated. */
    private void detectedBoxes(PrintWriter out, Path modelDir, Gallery gallery, ModelEngine.Detection detection,
                               Path work) throws IOException {
        out.println("\n5. Boxes from a detector instead of the annotations (--detector DIR --detect "
                + detection.mode().name().toLowerCase(java.util.Locale.ROOT) + "): "
                + (engineOptions.detector == null ? "the bundled tiny OWLv2 (96 px, 36 patches) with RANDOM weights, "
                + "so its boxes are arbitrary" : "OWLv2 " + detection.dir()) + "; " + detection.settings().describe());
        try (ModelEngine engine = engineOptions.load(modelDir, detection)) {
            GalleryImage first = gallery.images().get(0);
            Detector detector = engine.qpert().detector().orElseThrow();
            java.util.List<Detection> found = detector.detect(first.file());
            out.println("   " + first.id() + ": " + first.boxes().size() + " annotated box(es), " + found.size()
                    + " detected:");
            for (Detection d : found) {
                out.println(String.format(java.util.Locale.ROOT, "   %5.3f %-8s %.0f, %.0f, %.0f, %.0f", d.score(),
                        d.label(), d.x0(), d.y0(), d.x1(), d.y1()));
            }
            if (keep != null) {
                Path drawn = work.resolve("detected");
                DetectionJob.run(detector, gallery.images().stream().map(GalleryImage::file).toList(), drawn);
                out.println("   drawn: " + drawn);
            }
            EvalReport report = Evaluator.evaluate(engine, gallery, work.resolve("store-detected"),
                    Rerank.depth(engine, null, itmK, 64), 4,
                    "qpert demo: " + gallery.images().size() + " generated images, detected boxes");
            out.println("\n   Evaluation with detected boxes (the store records the detector's fingerprint and "
                    + "settings):\n");
            out.print(report.markdown());
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
