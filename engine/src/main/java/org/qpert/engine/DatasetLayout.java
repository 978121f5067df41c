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
 * Where the Karpathy test split, the images and the boxes of a dataset live under its root folder, in the layouts
 * users have. The first split file found wins:
 * <ul>
 *   <li>flickr30k: {@code flickr30k_test.json} (LAVIS annotation file), {@code annotations/test.json} (the LAVIS cache,
 *   {@code lavis/datasets/download_scripts}), {@code dataset_flickr30k.json} (Karpathy's own).</li>
 *   <li>coco: {@code coco_karpathy_test.json}, {@code annotations/coco_karpathy_test.json} (LAVIS cache),
 *   {@code dataset_coco.json} (Karpathy's own).</li>
 *   <li>images: each listed path relative to the {@code --images} folder when given; otherwise to the root, then to
 *   {@code images/} (LAVIS cache), then (Karpathy Flickr30K) to {@code flickr30k-images/}.</li>
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

    /** The split files looked for under a root, in order. */
    public List<Path> splitCandidates(Path root) {
        return this == FLICKR30K
                ? List.of(root.resolve("flickr30k_test.json"), root.resolve("annotations").resolve("test.json"),
                        root.resolve("dataset_flickr30k.json"))
                : List.of(root.resolve("coco_karpathy_test.json"),
                        root.resolve("annotations").resolve("coco_karpathy_test.json"), root.resolve("dataset_coco.json"));
    }

    /** The folders an image path of the split is looked up in, in order. */
    public List<Path> imageFolders(Path root) {
        List<Path> out = new ArrayList<>(List.of(root, root.resolve("images")));
        if (this == FLICKR30K) {
            out.add(root.resolve("flickr30k-images"));
        }
        return out;
    }

    /**
     * The test gallery: the first {@code limit} images of the split (all when limit is 0) with their captions and
     * boxes.
     */
    public Gallery load(Path root, Path boxesFile, int limit) {
        return load(root, null, null, boxesFile, limit);
    }

    /**
     * As {@link #load(Path, Path, int)}, with the split file ({@code splitFile}, a LAVIS or Karpathy JSON) and the
     * folder image paths are relative to ({@code imagesDir}) given explicitly when not null.
     */
    public Gallery load(Path root, Path splitFile, Path imagesDir, Path boxesFile, int limit) {
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException("dataset root " + root + " is not a directory");
        }
        if (limit < 0) {
            throw new IllegalArgumentException("--limit must be >= 0, got " + limit);
        }
        if (imagesDir != null && !Files.isDirectory(imagesDir)) {
            throw new IllegalArgumentException("--images " + imagesDir + " is not a directory");
        }
        Path split = splitFile != null ? requireSplit(splitFile) : findSplit(root);
        RetrievalSplit read = KarpathySplit.read(split);
        List<RetrievalImage> images = limit == 0 ? read.images()
                : read.images().subList(0, Math.min(limit, read.images().size()));
        Optional<BoxAnnotations> boxes = boxes(root, boxesFile, images);
        List<Path> folders = imagesDir != null ? List.of(imagesDir) : imageFolders(root);
        List<GalleryImage> gallery = new ArrayList<>(images.size());
        List<String> captions = new ArrayList<>();
        List<Integer> owner = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            RetrievalImage r = images.get(i);
            Path file = locate(r.image(), folders, split);
            Optional<ImageBoxes> b = boxes.flatMap(a -> a.find(r.image()));
            gallery.add(GalleryImage.of(r.image(), file, b.orElse(null)));
            for (String c : r.captions()) {
                captions.add(c);
                owner.add(i);
            }
        }
        return new Gallery(gallery, captions, owner.stream().mapToInt(Integer::intValue).toArray());
    }

    private static Path requireSplit(Path splitFile) {
        if (!Files.isRegularFile(splitFile)) {
            throw new IllegalArgumentException("--split " + splitFile + " is not a file");
        }
        return splitFile;
    }

    private Path findSplit(Path root) {
        List<Path> candidates = splitCandidates(root);
        return candidates.stream().filter(Files::isRegularFile).findFirst().orElseThrow(() ->
                new IllegalArgumentException("no " + name().toLowerCase(Locale.ROOT) + " test split under " + root
                        + ": looked for " + String.join(", ", candidates.stream().map(Path::toString).toList())
                        + " (or give --split FILE)"));
    }

    private static Path locate(String image, List<Path> folders, Path split) {
        for (Path folder : folders) {
            Path file = folder.resolve(image);
            if (Files.isRegularFile(file)) {
                return file;
            }
        }
        throw new IllegalArgumentException("image " + image + " (listed in " + split + ") not found: looked in "
                + String.join(", ", folders.stream().map(f -> f.resolve(image).toString()).toList())
                + (folders.size() > 1 ? " (or give --images DIR)" : ""));
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
