package org.qpert.loaders.synthetic;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Deterministic random scenes: one to three coloured shapes on a plain background, some small (under 10% of the
 * image, the paper's "small" bin), some large. Captions are built from a fixed word list (see {@link #WORDS}) so a
 * tiny WordPiece vocabulary covers them.
 */
public final class SceneGenerator {
    /** Every word a caption can contain. */
    public static final List<String> WORDS = List.of("a", "an", "image", "picture", "photo", "of", "with", "and",
            "on", "background", "there", "is", "next", "to", "shape", "shapes", "small", "large", "red", "green", "blue",
            "yellow", "white", "black", "circle", "square", "triangle", "one", "two", "three");

    private static final int[][] SIZES = {{160, 120}, {120, 160}, {200, 150}, {140, 140}, {180, 100}};
    private static final String[] COUNTS = {"One shape", "Two shapes", "Three shapes"};

    private SceneGenerator() {
    }

    /** {@code count} scenes from {@code seed}; the same arguments always give the same scenes. */
    public static List<SyntheticScene> scenes(int count, long seed) {
        if (count < 1 || count > 100_000) {
            throw new IllegalArgumentException("scene count must be in 1..100000, got " + count);
        }
        Random rnd = new Random(seed);
        List<SyntheticScene> out = new ArrayList<>(count);
        for (int id = 0; id < count; id++) {
            out.add(scene(id, rnd));
        }
        return out;
    }

    private static SyntheticScene scene(int id, Random rnd) {
        int[] size = SIZES[rnd.nextInt(SIZES.length)];
        int w = size[0], h = size[1];
        SceneObject.Colour[] colours = SceneObject.Colour.values();
        SceneObject.Colour background = colours[rnd.nextInt(colours.length)];
        int n = 1 + rnd.nextInt(3);
        List<SceneObject> objects = new ArrayList<>(n);
        // Every other scene has only small objects, so the "small" bin is never empty.
        boolean onlySmall = id % 2 == 0;
        for (int j = 0; j < n; j++) {
            SceneObject.Colour c;
            do {
                c = colours[rnd.nextInt(colours.length)];
            } while (c == background);
            boolean small = onlySmall || rnd.nextBoolean();
            // small: side <= 25% of the shorter edge, so area <= 6.25% of the image; large: 45..80%
            int edge = Math.min(w, h);
            int side = small ? Math.max(6, (int) (edge * (0.12 + 0.13 * rnd.nextDouble())))
                    : (int) (edge * (0.45 + 0.35 * rnd.nextDouble()));
            int x0 = rnd.nextInt(w - side + 1), y0 = rnd.nextInt(h - side + 1);
            SceneObject.Shape shape = SceneObject.Shape.values()[rnd.nextInt(3)];
            objects.add(new SceneObject(shape, c, small, x0, y0, x0 + side, y0 + side));
        }
        String filename = String.format(java.util.Locale.ROOT, "%06d.png", id);
        return new SyntheticScene(id, filename, w, h, background, List.copyOf(objects),
                captions(objects, background));
    }

    private static List<String> captions(List<SceneObject> objects, SceneObject.Colour background) {
        String first = article(objects.get(0).phrase());
        StringBuilder all = new StringBuilder(first);
        for (int j = 1; j < objects.size(); j++) {
            all.append(" and ").append(article(objects.get(j).phrase()));
        }
        String bg = SceneObject.name(background) + " background";
        String last = article(objects.get(objects.size() - 1).phrase());
        return List.of(
                capitalized(all + " on a " + bg + "."),
                "A picture of " + all + ".",
                COUNTS[objects.size() - 1] + " on " + article(bg) + ".",
                "There is " + first + (objects.size() > 1 ? " next to " + last : "") + ".",
                "Photo of " + first + " with " + article(bg));
    }

    private static String article(String phrase) {
        return ("aeiou".indexOf(phrase.charAt(0)) >= 0 ? "an " : "a ") + phrase;
    }

    private static String capitalized(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
