package org.qpert.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.qpert.engine.DatasetLayout;
import org.qpert.engine.EmbedSummary;
import org.qpert.engine.GalleryEmbedder;
import org.qpert.engine.GalleryImage;
import org.qpert.engine.ImageFolder;
import org.qpert.engine.RetrievalEngine;
import org.qpert.engine.StoreZ;
import org.qpert.engine.StoredImage;
import org.qpert.index.StoreIndex;
import org.qpert.loaders.store.EmbeddingStore;
import org.qpert.loaders.Inputs;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code qpert embed}: images (+ boxes) into an embedding store, resumable. */
@Command(name = "embed", mixinStandardHelpOptions = true,
        description = {"Embed a gallery of images (with their boxes) into an embedding store on disk, in batches "
                + "with progress. An interrupted run resumes where it stopped; a store made with another model or "
                + "other perturbation settings is refused."})
public final class EmbedCommand implements Callable<Integer> {
    static final class Source {
        @Option(names = "--images", required = true, paramLabel = "DIR",
                description = "Every .jpg/.jpeg/.png under DIR (ids = paths relative to DIR).")
        Path images;

        @ArgGroup(exclusive = false)
        DatasetSource dataset;
    }

    static final class DatasetSource {
        @Option(names = "--dataset", required = true, paramLabel = "NAME",
                description = "The test images of flickr30k, coco, flickr30k-fg or coco-fg (the FG pools: originals "
                        + "and distractors; see 'qpert eval --help' for the layouts).")
        String name;

        @Option(names = "--root", required = true, paramLabel = "DIR", description = "Dataset folder.")
        Path root;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Mixin
    ModelOption model;

    @Option(names = "--boxes", paramLabel = "FILE", description = "Boxes in the qpert box JSON (keyed by image "
            + "file name); images it does not list get no boxes.")
    Path boxes;

    @Option(names = "--store", required = true, paramLabel = "DIR", description = "Store folder (created or "
            + "resumed).")
    Path store;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "16",
            description = "Images stacked through the model in one pass and written as one store shard "
                    + "(default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--on-error", paramLabel = "WHAT", defaultValue = "stop",
            description = "An image that cannot be embedded: stop (default) ends the run with its error; skip records "
                    + "it with its reason in the store and the summary and goes on (a later run retries it).")
    String onError;

    @Option(names = "--store-z", paramLabel = "f32|f16|bf16|none",
            description = "How the store keeps each image's ViT output Z, which only ITM re-ranking reads: f32, f16 or "
                    + "bf16 (half the store; ITM logits move by the rounding, see bench/RESULTS.md), none (ITC search "
                    + "only). Default: as the existing store keeps it, f32 for a new one.")
    String storeZ;

    @Option(names = "--index", description = "Keep the store's Lucene index (STORE/lucene, what search --index "
            + "uses) up to date as the images are embedded: each batch goes into it once it is in the store. An index "
            + "left behind by an interrupted run is caught up, one that no longer matches the store rebuilt.")
    boolean index;

    @Option(names = "--int8", description = "With --index: int8 scalar-quantized vectors (see qpert index --int8).")
    boolean int8;

    @Mixin
    EngineOptions engineOptions;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Flags.atLeast("--batch", batch, 1);
        GalleryEmbedder.OnError policy = switch (onError) {
            case "stop" -> GalleryEmbedder.OnError.STOP;
            case "skip" -> GalleryEmbedder.OnError.SKIP;
            default -> throw new IllegalArgumentException("--on-error must be stop or skip, got '" + onError + "'");
        };
        if (int8 && !index) {
            throw new IllegalArgumentException("--int8 needs --index");
        }
        StoreZ z = storeZ == null ? null : StoreZ.parse(storeZ);
        engineOptions.check();
        new Inputs().folder("--images", source.images).folder("--root", source.dataset == null ? null
                        : source.dataset.root).file("--boxes", boxes).model("--model", model.given())
                .model("--detector", engineOptions.detector).checkOutputFolder("--store", store);
        List<GalleryImage> images = source.images != null ? ImageFolder.scan(source.images, boxes)
                : DatasetLayout.parse(source.dataset.name).load(source.dataset.root, boxes, 0).images();
        List<String> unmatched = source.images != null && boxes != null ? ImageFolder.unmatchedBoxes(boxes, images)
                : List.of();
        PrintWriter out = spec.commandLine().getOut();
        try (RetrievalEngine engine = engineOptions.load(model.dir());
             EmbeddingStore s = EmbeddingStore.open(store, StoredImage.spec(engine, store, z), batch);
             StoreIndex luceneIndex = index ? StoreIndex.open(s, int8) : null) {
            s.repaired().forEach(line -> out.println("repaired: " + line));
            EmbedSummary summary = GalleryEmbedder.embedMissing(engine, images, s, batch, policy, luceneIndex);
            if (!unmatched.isEmpty()) {
                long annotated = images.stream().filter(GalleryImage::annotated).count();
                summary.warn("boxes file " + boxes + ": " + unmatched.size() + " entr" + (unmatched.size() == 1 ? "y"
                        : "ies") + " match no image (e.g. '" + unmatched.get(0) + "')" + (annotated == 0
                        ? "; no image got boxes, so Q-Perturbation changes nothing" : ""));
            }
            out.println("store " + store + ": " + s.storedCount() + " images (" + summary.embedded()
                    + " embedded now, " + summary.alreadyStored() + " already there)");
            summary.lines().stream().skip(1).forEach(out::println);
            if (luceneIndex != null) {
                out.println("index " + StoreIndex.dir(s) + ": " + luceneIndex.size() + " images"
                        + (luceneIndex.int8() ? " (int8)" : ""));
            }
        }
        out.flush();
        return 0;
    }
}
