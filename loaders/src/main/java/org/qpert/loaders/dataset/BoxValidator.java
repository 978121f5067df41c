package org.qpert.loaders.dataset;

import java.util.ArrayList;
import java.util.List;
import org.qpert.core.qpert.Box;

/** Applies a {@link BoxPolicy} to the raw boxes of one image, naming the source file in every message. */
final class BoxValidator {

    private static final System.Logger LOG = System.getLogger(BoxValidator.class.getName());

    private BoxValidator() {
    }

    static ImageBoxes validate(String source, String image, int width, int height, List<LabeledBox> raw,
                               BoxPolicy policy) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException(source + ": image " + image + " has non-positive size "
                    + width + " x " + height);
        }
        List<LabeledBox> kept = new ArrayList<>(raw.size());
        int dropped = 0;
        for (int i = 0; i < raw.size(); i++) {
            LabeledBox b = raw.get(i);
            String where = source + ": image " + image + " (" + width + " x " + height + "), box " + i + " " + b;
            if (!Double.isFinite(b.x0()) || !Double.isFinite(b.y0()) || !Double.isFinite(b.x1())
                    || !Double.isFinite(b.y1())) {
                throw new IllegalArgumentException(where + ": coordinate is not a finite number");
            }
            if (policy != BoxPolicy.CLIP) {
                try {
                    Box box = new Box(b.x0(), b.y0(), b.x1(), b.y1());
                    if (policy == BoxPolicy.STRICT) {
                        if (b.x0() < 0 || b.y0() < 0 || b.x1() > width || b.y1() > height) {
                            throw new IllegalArgumentException("box outside the image");
                        }
                        kept.add(b);
                    } else {
                        Box clipped = box.clipTo(height, width);
                        kept.add(b.withCoordinates(clipped.x0(), clipped.y0(), clipped.x1(), clipped.y1()));
                    }
                } catch (IllegalArgumentException e) {
                    // Box names its coordinates, which "where" already gives
                    throw new IllegalArgumentException(where + ": " + e.getMessage().replaceFirst("^box \\([^)]*\\) ",
                            ""), e);
                }
                continue;
            }
            double x0 = Math.max(0, b.x0());
            double y0 = Math.max(0, b.y0());
            double x1 = Math.min(width, b.x1());
            double y1 = Math.min(height, b.y1());
            if (x1 <= x0 || y1 <= y0) {
                dropped++;
            } else {
                kept.add(b.withCoordinates(x0, y0, x1, y1));
            }
        }
        if (dropped > 0) {
            LOG.log(System.Logger.Level.WARNING, "{0}: image {1}: dropped {2} box(es) with no area inside the image",
                    source, image, dropped);
        }
        return new ImageBoxes(image, width, height, kept);
    }
}
