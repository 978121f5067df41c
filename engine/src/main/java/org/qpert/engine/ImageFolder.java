package org.qpert.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;
import org.qpert.loaders.dataset.BoxAnnotations;
import org.qpert.loaders.dataset.BoxPolicy;
import org.qpert.loaders.dataset.ImageBoxes;
import org.qpert.loaders.dataset.QpertBoxes;

/** A folder of images as a gallery: every .jpg/.jpeg/.png under it, ids = paths relative to it with '/'. */
public final class ImageFolder {
    private ImageFolder() {
    }

    /**
     * The images under {@code dir} in path order, with their boxes from {@code boxesFile} (qpert box JSON keyed by
     * relative path or file name; may be null). Images the file does not list get no boxes and count as unannotated.
     */
    public static List<GalleryImage> scan(Path dir, Path boxesFile) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("image folder " + dir + " is not a directory");
        }
        BoxAnnotations boxes = boxesFile == null ? null : QpertBoxes.read(boxesFile, BoxPolicy.BOX);
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(Files::isRegularFile).filter(ImageFolder::isImage).sorted().toList();
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no .jpg/.jpeg/.png images under " + dir);
        }
        return files.stream().map(f -> {
            String id = dir.relativize(f).toString().replace('\\', '/');
            Optional<ImageBoxes> b = boxes == null ? Optional.empty() : boxes.find(id);
            return GalleryImage.of(id, f, b.orElse(null));
        }).toList();
    }

    /**
     * Entries of the qpert box file {@code boxesFile} that match none of {@code images} (by file name without
     * extension, as {@link #scan} matches them): a typo'd or foreign boxes file would otherwise silently leave the
     * gallery without boxes, and so without Q-Perturbation.
     */
    public static List<String> unmatchedBoxes(Path boxesFile, List<GalleryImage> images) {
        BoxAnnotations boxes = QpertBoxes.read(boxesFile, BoxPolicy.BOX);
        java.util.Set<String> keys = new java.util.HashSet<>();
        images.forEach(g -> keys.add(BoxAnnotations.keyOf(g.id())));
        return boxes.byKey().values().stream().map(ImageBoxes::image)
                .filter(image -> !keys.contains(BoxAnnotations.keyOf(image))).toList();
    }

    static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".png");
    }
}
