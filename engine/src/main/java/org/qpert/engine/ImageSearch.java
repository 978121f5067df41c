package org.qpert.engine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the image files of one list (a split, a pool list) in folders searched in order, first found wins, and
 * remembers the names found nowhere, so that a dataset's every missing image is reported at once.
 */
final class ImageSearch {
    private final String what;
    private final List<Path> folders;
    private final List<String> missing = new ArrayList<>();

    /** @param what the images, for the message (e.g. "distractors listed in R/Images/x.npy") */
    ImageSearch(String what, List<Path> folders) {
        this.what = what;
        this.folders = List.copyOf(folders);
    }

    /** The file of {@code name} (a path relative to the folders), or null after noting it missing. */
    Path find(String name) {
        for (Path folder : folders) {
            Path file = folder.resolve(name);
            if (Files.isRegularFile(file)) {
                return file;
            }
        }
        missing.add(name);
        return null;
    }

    /**
     * Throws listing each missing image once, with the folders looked in, when any search missed one.
     *
     * @param images   how many images were looked for in all
     * @param explicit whether the folders came from {@code --images}
     */
    static void requireAllFound(int images, boolean explicit, ImageSearch... searches) {
        int missing = 0;
        StringBuilder list = new StringBuilder();
        for (ImageSearch s : searches) {
            if (!s.missing.isEmpty()) {
                missing += s.missing.size();
                list.append("\n- ").append(s.missing.size()).append(' ').append(s.what).append(", looked for in ")
                        .append(String.join(", ", s.folders.stream().map(Path::toString).toList())).append(": ")
                        .append(String.join(", ", s.missing));
            }
        }
        if (missing > 0) {
            throw new IllegalArgumentException(missing + " of " + images + " images not found"
                    + (explicit ? " in the --images folders" : " (or give --images DIR, repeatable, searched in order)")
                    + ":" + list);
        }
    }
}
