package org.qpert.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.qpert.engine.DatasetLayout;
import org.qpert.engine.EvalReport;
import org.qpert.engine.Evaluator;
import org.qpert.engine.Gallery;
import org.qpert.engine.Rerank;
import org.qpert.engine.RetrievalEngine;
import org.qpert.engine.StoreZ;
import org.qpert.loaders.Inputs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code qpert eval}: the paper's retrieval evaluation on a Karpathy test split, with and without perturbation. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Evaluate image-text retrieval on the Karpathy test split (spec/QPERT.md §7): R@1/5/10 both "
                + "ways, mean recall, RSUM, median/mean rank, MRR, overall, on small objects and per object-size bin;"
                + " with and without Q-Perturbation and their difference.",
                "Image embeddings go to a store first; an interrupted run resumes there."})
public final class EvalCommand implements Callable<Integer> {
    @Option(names = "--dataset", required = true, paramLabel = "NAME", description = "flickr30k or coco.")
    String dataset;

    @Option(names = "--root", required = true, paramLabel = "DIR",
            description = "Dataset folder: the split file (flickr30k_test.json, annotations/test.json or "
                    + "dataset_flickr30k.json; coco_karpathy_test.json, annotations/coco_karpathy_test.json or "
                    + "dataset_coco.json), the images (under it or its images/), and boxes.json or the Flickr30K "
                    + "Entities / COCO annotations.")
    Path root;

    @Option(names = "--split", paramLabel = "FILE",
            description = "The test split file (LAVIS or Karpathy JSON), instead of looking under --root.")
    Path split;

    @Option(names = "--images", paramLabel = "DIR",
            description = "The folder the split's image paths are relative to, instead of --root or --root/images.")
    Path images;

    @Option(names = "--model", required = true, paramLabel = "DIR|ORG/NAME[@REV]",
            description = "BLIP-2 checkpoint folder, or a Hugging Face Hub id (e.g. Salesforce/blip2-itm-vit-g) "
                    + "fetched into the Hub cache.")
    Path model;

    @Option(names = "--boxes", paramLabel = "FILE", description = "Boxes in the qpert box JSON, instead of the "
            + "dataset's own annotations.")
    Path boxes;

    @Option(names = "--itm-k", paramLabel = "K",
            description = "Re-rank the top K of each query with ITM; 0 = ITC only (default: 64 where the model has an "
                    + "ITM head, else 0).")
    Integer itmK;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0",
            description = "Evaluate only the first N test images and their captions (0 = all).")
    int limit;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "16",
            description = "Images stacked through the model in one pass and written as one store shard "
                    + "(default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--store", paramLabel = "DIR", description = "Embedding store (default: "
            + "qpert-stores/<dataset>-<model>-<settings hash> in the current folder).")
    Path store;

    @Option(names = "--report", paramLabel = "FILE", description = "JSON report (default: "
            + "qpert-eval-<dataset>.json in the current folder).")
    Path report;

    @Option(names = "--store-z", paramLabel = "f32|f16|bf16|none",
            description = "How the store keeps each image's ViT output Z, which only ITM re-ranking reads: f32, f16 or "
                    + "bf16 (half the store; ITM logits move by the rounding, see bench/RESULTS.md), none (only with --itm-k 0). Default: as the existing store keeps it, f32 for a new one.")
    String storeZ;

    @Mixin
    EngineOptions engineOptions;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (itmK != null) {
            Flags.atLeast("--itm-k", itmK, 0);
        }
        Flags.atLeast("--limit", limit, 0);
        Flags.atLeast("--batch", batch, 1);
        StoreZ z = storeZ == null ? null : StoreZ.parse(storeZ);
        engineOptions.check();
        DatasetLayout layout = DatasetLayout.parse(dataset);
        Path json = report != null ? report
                : Path.of("qpert-eval-" + layout.name().toLowerCase(java.util.Locale.ROOT) + ".json");
        Inputs inputs = new Inputs().folder("--root", root).file("--split", split).folder("--images", images)
                .file("--boxes", boxes).model("--model", model).model("--detector", engineOptions.detector)
                .checkOutputFile("--report", json).checkOutputFolder("--store", store);
        Gallery gallery = layout.load(root, split, images, boxes, limit);
        try (RetrievalEngine engine = engineOptions.load(Models.requireModelDir(model))) {
            Path storeDir = store != null ? store : Evaluator.defaultStore(layout, engine);
            inputs.checkOutputFolder("--store", storeDir);
            EvalReport r = Evaluator.evaluate(engine, gallery, storeDir, Rerank.depth(engine, null, itmK, 64), batch,
                    "qpert eval: " + layout.name().toLowerCase(java.util.Locale.ROOT) + " test"
                            + (limit > 0 ? " (first " + gallery.images().size() + " images)" : ""), z);
            spec.commandLine().getOut().print(r.markdown());
            r.writeJson(json);
            spec.commandLine().getOut().println("\nJSON report: " + json + "\nstore: " + storeDir);
            spec.commandLine().getOut().flush();
        }
        return 0;
    }
}
