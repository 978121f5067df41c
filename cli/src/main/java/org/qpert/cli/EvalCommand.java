package org.qpert.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

/** {@code qpert eval}: the paper's retrieval evaluation on a test split, with and without perturbation. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Evaluate image-text retrieval on the Karpathy test split of Flickr30K or COCO, or on "
                + "Flickr30K-FG / COCO-FG (refined captions, a pool enlarged with distractors) (spec/QPERT.md §7): "
                + "R@1/5/10 both ways, mean recall, RSUM, median/mean rank, MRR, overall, on small objects and per "
                + "object-size bin; with and without Q-Perturbation and their difference.",
                "On the FG datasets text-to-image retrieval searches the whole pool and image-to-text retrieval has "
                + "the original images as queries; distractors are never an answer.",
                "Image embeddings go to a store first; an interrupted run resumes there."})
public final class EvalCommand implements Callable<Integer> {
    @Option(names = "--dataset", required = true, paramLabel = "NAME",
            description = "flickr30k, coco, flickr30k-fg or coco-fg.")
    String dataset;

    @Option(names = "--root", required = true, paramLabel = "DIR",
            description = "Dataset folder: the split file (flickr30k_test.json, annotations/test.json or "
                    + "dataset_flickr30k.json; coco_karpathy_test.json, annotations/coco_karpathy_test.json or "
                    + "dataset_coco.json), the images (under it or its images/), and boxes.json or the Flickr30K "
                    + "Entities / COCO annotations. FG: Annotations/Flickr30K_FG_ann.json (MSCOCO_FG_ann.json), "
                    + "Images/Flickr30K_FG_img_filenames.npy (MSCOCO_FG_img_filenames.npy), the originals in "
                    + "flickr30k-images/ (val2014/), the distractors in unlabeled2017/ (or under images/), the Flickr30K "
                    + "Entities in flickr30k_entities/ or the root (COCO: annotations/instances_val2014.json).")
    Path root;

    @Option(names = "--split", paramLabel = "FILE",
            description = "The test split file (LAVIS or Karpathy JSON), instead of looking under --root (not for "
                    + "the FG datasets).")
    Path split;

    @Option(names = "--images", paramLabel = "DIR",
            description = "A folder images are looked up in (the split's paths relative to it; FG: the originals' and "
                    + "distractors' file names), instead of the folders under --root. Repeatable: searched in the "
                    + "order given, first found wins.")
    List<Path> images = new ArrayList<>();

    @Mixin
    ModelOption model;

    @Option(names = "--boxes", paramLabel = "FILE", description = "Boxes in the qpert box JSON, instead of the "
            + "dataset's own annotations. On the FG datasets it boxes the images the dataset does not annotate (the "
            + "distractors) while the originals keep their Flickr30K Entities / COCO boxes, as --detect missing "
            + "does; without it or --detector, distractors are not perturbed.")
    Path boxes;

    @Option(names = "--itm-k", paramLabel = "K",
            description = "Re-rank the top K of each query with ITM; 0 = ITC only (default: 64 where the model has an "
                    + "ITM head, else 0).")
    Integer itmK;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0",
            description = "Evaluate only the first N test images and their captions (0 = all); on the FG "
                    + "datasets also the same share of the distractors (rounded up).")
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
        Path json = report != null ? report : Path.of("qpert-eval-" + layout.cliName() + ".json");
        Inputs inputs = new Inputs().folder("--root", root).file("--split", split).folders("--images", images)
                .file("--boxes", boxes).model("--model", model.given()).model("--detector", engineOptions.detector)
                .checkOutputFile("--report", json).checkOutputFolder("--store", store);
        Gallery gallery = layout.load(root, split, images, boxes, limit);
        try (RetrievalEngine engine = engineOptions.load(model.dir())) {
            Path storeDir = store != null ? store : Evaluator.defaultStore(layout, engine);
            inputs.checkOutputFolder("--store", storeDir);
            EvalReport r = Evaluator.evaluate(engine, gallery, storeDir, Rerank.depth(engine, null, itmK, 64), batch,
                    "qpert eval: " + layout.cliName() + " test" + (limit > 0 ? " (first "
                            + gallery.captionedImages() + " test images)" : ""), z);
            spec.commandLine().getOut().print(r.markdown());
            r.writeJson(json);
            spec.commandLine().getOut().println("\nJSON report: " + json + "\nstore: " + storeDir);
            spec.commandLine().getOut().flush();
        }
        return 0;
    }
}
