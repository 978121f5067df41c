package org.qpert.engine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.qpert.core.qpert.Box;
import org.qpert.loaders.dataset.BoxAnnotations;
import org.qpert.loaders.dataset.BoxPolicy;
import org.qpert.loaders.dataset.CocoInstances;
import org.qpert.loaders.dataset.Flickr30kEntities;
import org.qpert.loaders.dataset.ImageBoxes;
import org.qpert.loaders.dataset.KarpathySplit;
import org.qpert.loaders.dataset.LabeledBox;
import org.qpert.loaders.dataset.QpertBoxes;
import org.qpert.loaders.dataset.RetrievalImage;
import org.qpert.loaders.dataset.RetrievalSplit;

/**
 * Where the Karpathy test split, the images and the boxes of a dataset live under its root folder. The first file
 * found wins:
 * <ul>
 *   <li>flickr30k split: {@code flickr30k_test.json} (LAVIS; image paths relative to the root), then
 *   {@code dataset_flickr30k.json} (Karpathy; images in {@code flickr30k-images/}).</li>
 *   <li>coco split: {@code coco_karpathy_test.json} (LAVIS), then {@code dataset_coco.json} (Karpathy); image paths
 *   ({@code val2014/...}) relative to the root.</li>
 *   <li>boxes: the {@code --boxes} file (qpert box JSON), then {@code boxes.json} (qpert box JSON), then Flickr30K
 *   Entities ({@code Annotations/}, {@code Sentences/}) or COCO instances
 *   ({@code annotations/instances_val2014.json}). Without any, images are unannotated: no perturbation and no size
 *   bins.</li>
 * </ul>
 */
public enum DatasetLayout {
    FLICKR30K, COCO;

    public static DatasetLayout parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "flickr30k", "flickr" -> FLICKR30K;
            case "coco", "mscoco" -> COCO;
            default -> throw new IllegalArgumentException("unknown dataset '" + name + "' (use flickr30k or coco)");
        };
    }

    /**
     * The test gallery: the first {@code limit} images of the split (all when limit is 0) with their captions and
     * boxes.
     */
    public Gallery load(Path root, Path boxesFile, int limit) {
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException("dataset root " + root + " is not a directory");
        }
        if (limit < 0) {
            throw new IllegalArgumentException("--limit must be >= 0, got " + limit);
        }
        Path lavis = root.resolve(this == FLICKR30K ? "flickr30k_test.json" : "coco_karpathy_test.json");
        Path karpathy = root.resolve(this == FLICKR30K ? "dataset_flickr30k.json" : "dataset_coco.json");
        Path splitFile;
        Path imageRoot = root;
        if (Files.isRegularFile(lavis)) {
            splitFile = lavis;
        } else if (Files.isRegularFile(karpathy)) {
            splitFile = karpathy;
            if (this == FLICKR30K) {
                imageRoot = root.resolve("flickr30k-images");
            }
        } else {
            throw new IllegalArgumentException("no test split under " + root + ": expected " + lavis.getFileName()
                    + " or " + karpathy.getFileName());
        }
        RetrievalSplit split = KarpathySplit.read(splitFile);
        List<RetrievalImage> images = limit == 0 ? split.images()
                : split.images().subList(0, Math.min(limit, split.images().size()));
        Optional<BoxAnnotations> boxes = boxes(root, boxesFile, images);
        List<GalleryImage> gallery = new ArrayList<>(images.size());
        List<String> captions = new ArrayList<>();
        List<Integer> owner = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            RetrievalImage r = images.get(i);
            Path file = imageRoot.resolve(r.image());
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("image file not found: " + file + " (listed in " + splitFile + ")");
            }
            Optional<ImageBoxes> b = boxes.flatMap(a -> a.find(r.image()));
            gallery.add(GalleryImage.of(r.image(), file, b.orElse(null)));
            for (String c : r.captions()) {
                captions.add(c);
                owner.add(i);
            }
        }
        return new Gallery(gallery, captions, owner.stream().mapToInt(Integer::intValue).toArray());
    }

    private Optional<BoxAnnotations> boxes(Path root, Path boxesFile, List<RetrievalImage> images) {
        if (boxesFile != null) {
            return Optional.of(QpertBoxes.read(boxesFile, BoxPolicy.CLIP));
        }
        if (Files.isRegularFile(root.resolve("boxes.json"))) {
            return Optional.of(QpertBoxes.read(root.resolve("boxes.json"), BoxPolicy.CLIP));
        }
        if (this == FLICKR30K && Files.isDirectory(root.resolve("Annotations"))) {
            return Optional.of(Flickr30kEntities.read(root, images.stream().map(RetrievalImage::image).toList(),
                    BoxPolicy.CLIP));
        }
        Path instances = root.resolve("annotations").resolve("instances_val2014.json");
        if (this == COCO && Files.isRegularFile(instances)) {
            return Optional.of(CocoInstances.read(instances, BoxPolicy.CLIP));
        }
        return Optional.empty();
    }

    /** The boxes of an annotation as Q-Perturbation boxes. */
    public static List<Box> boxes(ImageBoxes b) {
        return b.boxes().stream().map((LabeledBox l) -> new Box(l.x0(), l.y0(), l.x1(), l.y1())).toList();
    }
}
