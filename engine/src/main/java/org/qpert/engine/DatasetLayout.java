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
import org.qpert.loaders.dataset.FineGrainedSplit;
import org.qpert.loaders.dataset.Flickr30kEntities;
import org.qpert.loaders.dataset.ImageBoxes;
import org.qpert.loaders.dataset.KarpathySplit;
import org.qpert.loaders.dataset.LabeledBox;
import org.qpert.loaders.dataset.QpertBoxes;
import org.qpert.loaders.dataset.RetrievalImage;
import org.qpert.loaders.dataset.RetrievalSplit;

/**
 * Where the test split, the images and the boxes of a dataset live under its root folder, in the layouts users have.
 * <p>Flickr30K and COCO (Karpathy test splits). The first split file found wins:
 * <ul>
 *   <li>flickr30k: {@code flickr30k_test.json} (LAVIS annotation file), {@code annotations/test.json} (the LAVIS cache,
 *   {@code lavis/datasets/download_scripts}), {@code dataset_flickr30k.json} (Karpathy's own).</li>
 *   <li>coco: {@code coco_karpathy_test.json}, {@code annotations/coco_karpathy_test.json} (LAVIS cache),
 *   {@code dataset_coco.json} (Karpathy's own).</li>
 *   <li>images: each listed path relative to the root, then to {@code images/} (LAVIS cache), then (Karpathy
 *   Flickr30K) to {@code flickr30k-images/}.</li>
 *   <li>boxes: the {@code --boxes} file (qpert box JSON), then {@code boxes.json} (qpert box JSON), then Flickr30K
 *   Entities ({@code Annotations/}, {@code Sentences/}) or COCO instances
 *   ({@code annotations/instances_val2014.json}). Without any, images are unannotated: no perturbation and no size
 *   bins.</li>
 * </ul>
 * <p>Flickr30K-FG and COCO-FG ({@link FineGrainedSplit}: refined captions of the same test images, a pool enlarged with
 * distractors from COCO 2017 unlabeled), the authors' files under the root:
 * <ul>
 *   <li>{@code Annotations/Flickr30K_FG_ann.json} or {@code Annotations/MSCOCO_FG_ann.json}: the originals' captions;
 *   {@code Images/Flickr30K_FG_img_filenames.npy} or {@code Images/MSCOCO_FG_img_filenames.npy}: the pool.</li>
 *   <li>images: originals ({@code ID.jpg}) in {@code flickr30k-images/} or {@code images/flickr30k-images/}
 *   ({@code val2014/} or {@code images/val2014/} for COCO), distractors in {@code unlabeled2017/} or
 *   {@code images/unlabeled2017/}. COCO-FG matches a pool entry to an original by its COCO id, so the pool may name
 *   an original by its 2014 or its 2017 file name.</li>
 *   <li>boxes: the originals keep the dataset's own, Flickr30K Entities ({@code flickr30k_entities/} or the root,
 *   holding {@code Annotations/*.xml} and {@code Sentences/}) or COCO instances
 *   ({@code annotations/instances_val2014.json}); the {@code --boxes} file boxes the images these do not annotate,
 *   the distractors. Otherwise distractors are unannotated (unperturbed, unless a detector boxes them).</li>
 * </ul>
 * {@code --images DIR} (repeatable) replaces the default folders: every image is looked for in them in order, first
 * found wins. Every image found nowhere is reported at once, with the folders looked in.
 */
public enum DatasetLayout {
    FLICKR30K, COCO, FLICKR30K_FG, COCO_FG;

    private static final System.Logger LOG = System.getLogger(DatasetLayout.class.getName());
    /** The box source of Flickr30K Entities annotations. */
    public static final String ENTITIES = "Flickr30K Entities";
    /** The box source of COCO instance annotations. */
    public static final String COCO_INSTANCES = "COCO instances";
    private static final String COCO_2014 = "COCO_val2014_";

    public static DatasetLayout parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "flickr30k", "flickr" -> FLICKR30K;
            case "coco", "mscoco" -> COCO;
            case "flickr30k-fg", "flickr30k_fg" -> FLICKR30K_FG;
            case "coco-fg", "mscoco-fg", "coco_fg", "mscoco_fg" -> COCO_FG;
            default -> throw new IllegalArgumentException("unknown dataset '" + name
                    + "' (use flickr30k, coco, flickr30k-fg or coco-fg)");
        };
    }

    /** The name users give: flickr30k, coco, flickr30k-fg, coco-fg. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Whether this is one of the fine-grained benchmarks with an enlarged pool. */
    public boolean fineGrained() {
        return this == FLICKR30K_FG || this == COCO_FG;
    }

    private boolean flickr() {
        return this == FLICKR30K || this == FLICKR30K_FG;
    }

    /** The split files looked for under a root, in order (for FG: the captions file). */
    public List<Path> splitCandidates(Path root) {
        return switch (this) {
            case FLICKR30K -> List.of(root.resolve("flickr30k_test.json"),
                    root.resolve("annotations").resolve("test.json"), root.resolve("dataset_flickr30k.json"));
            case COCO -> List.of(root.resolve("coco_karpathy_test.json"),
                    root.resolve("annotations").resolve("coco_karpathy_test.json"), root.resolve("dataset_coco.json"));
            case FLICKR30K_FG -> List.of(root.resolve("Annotations").resolve("Flickr30K_FG_ann.json"));
            case COCO_FG -> List.of(root.resolve("Annotations").resolve("MSCOCO_FG_ann.json"));
        };
    }

    /** The FG pool list under a root. */
    public Path poolList(Path root) {
        requireFineGrained();
        return root.resolve("Images").resolve(flickr() ? "Flickr30K_FG_img_filenames.npy" : "MSCOCO_FG_img_filenames.npy");
    }

    /** The folders an image path of the split (for FG: an original's file name) is looked up in, in order. */
    public List<Path> imageFolders(Path root) {
        if (fineGrained()) {
            String originals = flickr() ? "flickr30k-images" : "val2014";
            return List.of(root.resolve(originals), root.resolve("images").resolve(originals));
        }
        List<Path> out = new ArrayList<>(List.of(root, root.resolve("images")));
        if (this == FLICKR30K) {
            out.add(root.resolve("flickr30k-images"));
        }
        return out;
    }

    /** The folders an FG distractor is looked up in, in order. */
    public List<Path> distractorFolders(Path root) {
        requireFineGrained();
        return List.of(root.resolve("unlabeled2017"), root.resolve("images").resolve("unlabeled2017"));
    }

    /**
     * The test gallery: the first {@code limit} images of the split (all when limit is 0) with their captions and
     * boxes.
     */
    public Gallery load(Path root, Path boxesFile, int limit) {
        return load(root, null, List.of(), boxesFile, limit);
    }

    /**
     * As {@link #load(Path, Path, int)}, with the split file ({@code splitFile}, a LAVIS or Karpathy JSON; not for
     * FG) and the folders images are looked up in ({@code imageDirs}, in order) given explicitly when not null or
     * empty. On FG layouts {@code limit} keeps the first {@code limit} originals and the same share of the
     * distractors (rounded up), so the pool keeps its proportions.
     */
    public Gallery load(Path root, Path splitFile, List<Path> imageDirs, Path boxesFile, int limit) {
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException("dataset root " + root + " is not a directory");
        }
        if (limit < 0) {
            throw new IllegalArgumentException("--limit must be >= 0, got " + limit);
        }
        for (Path d : imageDirs) {
            if (!Files.isDirectory(d)) {
                throw new IllegalArgumentException("--images " + d + " is not a directory");
            }
        }
        return fineGrained() ? loadFineGrained(root, splitFile, imageDirs, boxesFile, limit)
                : loadKarpathy(root, splitFile, imageDirs, boxesFile, limit);
    }

    private Gallery loadKarpathy(Path root, Path splitFile, List<Path> imageDirs, Path boxesFile, int limit) {
        Path split = splitFile != null ? requireSplit(splitFile) : findSplit(root);
        RetrievalSplit read = KarpathySplit.read(split);
        List<RetrievalImage> images = limit == 0 ? read.images()
                : read.images().subList(0, Math.min(limit, read.images().size()));
        Optional<BoxAnnotations> boxes = boxes(root, boxesFile, images);
        String source = boxesFile != null || Files.isRegularFile(root.resolve("boxes.json")) ? Gallery.BOXES_FILE
                : flickr() ? ENTITIES : COCO_INSTANCES;
        ImageSearch search = new ImageSearch("images listed in " + split,
                imageDirs.isEmpty() ? imageFolders(root) : imageDirs);
        Builder gallery = new Builder();
        for (RetrievalImage r : images) {
            Path file = search.find(r.image());
            Optional<ImageBoxes> b = boxes.flatMap(a -> a.find(r.image()));
            gallery.add(GalleryImage.of(r.image(), file, b.orElse(null)), b.isPresent() ? source : Gallery.NO_BOXES,
                    r.captions());
        }
        ImageSearch.requireAllFound(images.size(), !imageDirs.isEmpty(), search);
        return gallery.build();
    }

    private Gallery loadFineGrained(Path root, Path splitFile, List<Path> imageDirs, Path boxesFile, int limit) {
        if (splitFile != null) {
            throw new IllegalArgumentException("--split is for flickr30k and coco: " + cliName() + " reads "
                    + splitCandidates(root).get(0) + " and " + poolList(root));
        }
        Path captions = requireFile(splitCandidates(root).get(0)), list = requireFile(poolList(root));
        FineGrainedSplit.Pool pool = FineGrainedSplit.read(captions, list,
                this == COCO_FG ? DatasetLayout::cocoId : BoxAnnotations::keyOf);
        if (pool.originalsListed() < pool.originals().size()) {
            LOG.log(System.Logger.Level.WARNING, "{0} names {1} of the {2} images of {3}; the others are in the pool "
                    + "all the same (they are the answer to their captions)", list, pool.originalsListed(),
                    pool.originals().size(), captions);
        }
        List<RetrievalImage> originals = pool.originals();
        List<String> distractors = pool.distractors();
        if (limit > 0 && limit < originals.size()) {
            long share = ((long) limit * distractors.size() + originals.size() - 1) / originals.size();
            distractors = distractors.subList(0, (int) share);
            originals = originals.subList(0, limit);
        }
        List<String> originalFiles = originals.stream().map(r -> r.image() + ".jpg").toList();
        Optional<BoxAnnotations> dataset = fineGrainedDatasetBoxes(root, originalFiles);
        Optional<BoxAnnotations> file = Optional.ofNullable(boxesFile).map(f -> QpertBoxes.read(f, BoxPolicy.BOX));
        String source = flickr() ? ENTITIES : COCO_INSTANCES;
        boolean explicit = !imageDirs.isEmpty();
        ImageSearch originalSearch = new ImageSearch("originals of " + captions,
                explicit ? imageDirs : imageFolders(root));
        ImageSearch distractorSearch = new ImageSearch("distractors listed in " + list,
                explicit ? imageDirs : distractorFolders(root));
        Builder gallery = new Builder();
        for (int i = 0; i < originals.size(); i++) {
            String name = originalFiles.get(i);
            Optional<ImageBoxes> own = dataset.flatMap(a -> a.find(name));
            Optional<ImageBoxes> given = own.isPresent() ? Optional.empty() : file.flatMap(a -> a.find(name));
            Optional<ImageBoxes> b = own.or(() -> given);
            gallery.add(GalleryImage.of(name, originalSearch.find(name), b.orElse(null)),
                    own.isPresent() ? source : given.isPresent() ? Gallery.BOXES_FILE : Gallery.NO_BOXES,
                    originals.get(i).captions());
        }
        for (String name : distractors) {
            Optional<ImageBoxes> b = file.flatMap(a -> a.find(name));
            gallery.add(GalleryImage.of(name, distractorSearch.find(name), b.orElse(null)),
                    b.isPresent() ? Gallery.BOXES_FILE : Gallery.NO_BOXES, List.of());
        }
        ImageSearch.requireAllFound(originals.size() + distractors.size(), explicit, originalSearch, distractorSearch);
        Gallery built = gallery.build();
        file.ifPresent(f -> warnUnused(boxesFile, f, built));
        return built;
    }

    /**
     * A boxes file keyed otherwise than the pool (or meant for the originals, which keep the dataset's boxes) would
     * leave the distractors unboxed without a word: say how many of its entries went unused.
     */
    private static void warnUnused(Path boxesFile, BoxAnnotations file, Gallery gallery) {
        java.util.Set<String> used = new java.util.HashSet<>();
        for (int i = 0; i < gallery.images().size(); i++) {
            if (Gallery.BOXES_FILE.equals(gallery.boxSources().get(i))) {
                used.add(BoxAnnotations.keyOf(gallery.images().get(i).id()));
            }
        }
        long unused = file.byKey().keySet().stream().filter(k -> !used.contains(k)).count();
        if (unused > 0) {
            LOG.log(System.Logger.Level.WARNING, "{0}: {1} of its {2} images are not used: they are not in the pool, or "
                    + "are originals, which keep the dataset''s own boxes", boxesFile, unused, file.size());
        }
    }

    /** The COCO id of a file name, whatever its year's naming: COCO_val2014_000000452113.jpg and 000000452113.jpg. */
    static String cocoId(String name) {
        String key = BoxAnnotations.keyOf(name);
        return key.startsWith(COCO_2014) ? key.substring(COCO_2014.length()) : key;
    }

    /** Collects images with their box sources and captions, in gallery order. */
    private static final class Builder {
        private final List<GalleryImage> images = new ArrayList<>();
        private final List<String> sources = new ArrayList<>();
        private final List<String> captions = new ArrayList<>();
        private final List<Integer> owner = new ArrayList<>();

        /** {@code image} may have a null file (not found): it is reported before {@link #build}. */
        void add(GalleryImage image, String source, List<String> imageCaptions) {
            for (String c : imageCaptions) {
                captions.add(c);
                owner.add(images.size());
            }
            images.add(image);
            sources.add(source);
        }

        Gallery build() {
            return new Gallery(images, captions, owner.stream().mapToInt(Integer::intValue).toArray(), sources);
        }
    }

    private void requireFineGrained() {
        if (!fineGrained()) {
            throw new IllegalStateException(cliName() + " has no enlarged pool");
        }
    }

    private static Path requireFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("file not found: " + file);
        }
        return file;
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
                new IllegalArgumentException("no " + cliName() + " test split under " + root
                        + ": looked for " + String.join(", ", candidates.stream().map(Path::toString).toList())
                        + " (or give --split FILE)"));
    }

    private Optional<BoxAnnotations> boxes(Path root, Path boxesFile, List<RetrievalImage> images) {
        if (boxesFile != null) {
            return Optional.of(QpertBoxes.read(boxesFile, BoxPolicy.BOX));
        }
        if (Files.isRegularFile(root.resolve("boxes.json"))) {
            return Optional.of(QpertBoxes.read(root.resolve("boxes.json"), BoxPolicy.BOX));
        }
        if (this == FLICKR30K && Files.isDirectory(root.resolve("Annotations"))) {
            return Optional.of(Flickr30kEntities.read(root, images.stream().map(RetrievalImage::image).toList(),
                    BoxPolicy.CLIP));
        }
        return cocoInstances(root);
    }

    /** The originals' own boxes on an FG layout: Flickr30K Entities or COCO instances, when the root has them. */
    private Optional<BoxAnnotations> fineGrainedDatasetBoxes(Path root, List<String> originals) {
        if (!flickr()) {
            return cocoInstances(root);
        }
        for (Path entities : List.of(root.resolve("flickr30k_entities"), root)) {
            if (Files.isDirectory(entities.resolve("Annotations")) && Files.isDirectory(entities.resolve("Sentences"))) {
                return Optional.of(Flickr30kEntities.read(entities, originals, BoxPolicy.CLIP));
            }
        }
        return Optional.empty();
    }

    private Optional<BoxAnnotations> cocoInstances(Path root) {
        Path instances = root.resolve("annotations").resolve("instances_val2014.json");
        return !flickr() && Files.isRegularFile(instances) ? Optional.of(CocoInstances.read(instances, BoxPolicy.CLIP))
                : Optional.empty();
    }

    /** The boxes of an annotation as Q-Perturbation boxes. */
    public static List<Box> boxes(ImageBoxes b) {
        return b.boxes().stream().map((LabeledBox l) -> new Box(l.x0(), l.y0(), l.x1(), l.y1())).toList();
    }
}
