package org.qpert.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.qpert.core.backend.CpuBackend;
import org.qpert.core.model.QueryPerturbation;
import org.qpert.core.model.blip2.Blip2PerturbedImage;
import org.qpert.core.model.blip2.Blip2Retrieval;
import org.qpert.core.model.blip2.ImageContext;
import org.qpert.core.qpert.Box;
import org.qpert.core.qpert.Perturbation;

/**
 * Gallery embedding at the real blip2-itm-vit-g sizes (224 px, random weights), batched against the one-at-a-time
 * loop, as the gallery embedder runs them: per image the ViT, P̄ from two boxes, and the ITC features with and
 * without P̄. The loop embeds image after image (two Q-Former passes each); the batch stacks all images through the
 * ViT in one pass and all 2·B Q-Former items in another. Decoding and preprocessing are left out (the same work
 * either way). Prints images/s of both (median of the timed runs) and {@code batch_speedup=} (batched / loop).
 *
 * <p>Usage: {@code GalleryBatchBench [images per batch] [runs] [ViT layers]}, default 8 3 39; threads via
 * {@code -Dqpert.threads}.
 */
public final class GalleryBatchBench {
    private static final List<Box> BOXES = List.of(new Box(30, 40, 150, 200), new Box(100, 10, 220, 120));

    private GalleryBatchBench() {
    }

    public static void main(String[] args) {
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int layers = args.length > 2 ? Integer.parseInt(args[2]) : 39;
        CpuBackend cpu = new CpuBackend();
        System.out.println("# backend " + cpu.describe() + ", batch " + batch + ", " + layers + " ViT layers, "
                + runs + " timed runs after one warm-up");
        Blip2Retrieval model = Blip2Retrieval.load(RandomWeights.realSizes(224, layers), RandomWeights.sharedByShape(),
                cpu);
        List<float[]> pixels = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            pixels.add(pixels(i));
        }
        double loop = imagesPerSecond(runs, batch, () -> oneAtATime(model, pixels));
        double batched = imagesPerSecond(runs, batch, () -> batched(model, pixels));
        System.out.printf("gallery_loop_images_per_s=%.3f%n", loop);
        System.out.printf("gallery_batch%d_images_per_s=%.3f%n", batch, batched);
        System.out.printf("batch_speedup=%.2f%n", batched / loop);
    }

    private static List<float[]> oneAtATime(Blip2Retrieval model, List<float[]> pixels) {
        List<float[]> out = new ArrayList<>();
        for (float[] px : pixels) {
            Blip2PerturbedImage image = Blip2PerturbedImage.of(model, model.encodeImage(px), 224, 224, BOXES,
                    Perturbation.published());
            out.add(model.imageFeatures(image.context(), QueryPerturbation.NONE));
            out.add(model.imageFeatures(image.context(), image.perturbation()));
        }
        return out;
    }

    private static List<float[]> batched(Blip2Retrieval model, List<float[]> pixels) {
        List<ImageContext> contexts = new ArrayList<>(model.encodeImages(pixels));
        List<QueryPerturbation> perturbations = new ArrayList<>(Collections.nCopies(pixels.size(),
                QueryPerturbation.NONE));
        for (int i = 0; i < pixels.size(); i++) {
            perturbations.add(Blip2PerturbedImage.of(model, contexts.get(i), 224, 224, BOXES, Perturbation.published())
                    .perturbation());
        }
        contexts.addAll(List.copyOf(contexts));
        return model.imageFeatures(contexts, perturbations);
    }

    private static float[] pixels(long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        float[] p = new float[3 * 224 * 224];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) (r.nextDouble() * 4 - 2);
        }
        return p;
    }

    private static double imagesPerSecond(int runs, int images, java.util.function.Supplier<?> step) {
        step.get(); // warm-up: JIT, scratch buffers
        double[] s = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t = System.nanoTime();
            step.get();
            s[i] = (System.nanoTime() - t) / 1e9;
        }
        Arrays.sort(s);
        return images / s[runs / 2];
    }
}
