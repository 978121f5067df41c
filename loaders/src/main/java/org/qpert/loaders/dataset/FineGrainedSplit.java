package org.qpert.loaders.dataset;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The fine-grained benchmarks of Chen, Yao and Jin (SIGIR 2023, {@code cwj1412/MSCOCO-Flikcr30K_FG}): the original
 * test images with refined captions, {@code Annotations/*_FG_ann.json} = {@code {"1007129816": ["caption", ...]}}
 * (keys are file names without extension), and the enlarged image pool, {@code Images/*_FG_img_filenames.npy} = the
 * file names of the originals and of similar distractor images from COCO 2017 unlabeled. Distractors have no
 * captions: they are never the answer to a caption.
 */
public final class FineGrainedSplit {

    private FineGrainedSplit() {
    }

    /**
     * The pool.
     *
     * @param originals       the annotated images (id = the annotation's key) with their captions, in file order
     * @param distractors     the pool's other file names, in list order
     * @param originalsListed how many originals the pool list names (all of them in the published files)
     */
    public record Pool(List<RetrievalImage> originals, List<String> distractors, int originalsListed) {
        public Pool {
            originals = List.copyOf(originals);
            distractors = List.copyOf(distractors);
        }
    }

    /**
     * Reads both files. A pool entry is an original when {@code key} maps its file name and an annotation's id to the
     * same string (e.g. the file name without extension); an original the list does not name is still one (it is the
     * answer to its captions) and is counted as not listed.
     */
    public static Pool read(Path annotations, Path poolList, UnaryOperator<String> key) {
        List<RetrievalImage> originals = captions(annotations);
        Map<String, String> originalByKey = new HashMap<>();
        for (RetrievalImage r : originals) {
            String previous = originalByKey.putIfAbsent(key.apply(r.image()), r.image());
            if (previous != null) {
                throw new IllegalArgumentException(annotations + ": images " + previous + " and " + r.image()
                        + " are the same image " + key.apply(r.image()));
            }
        }
        List<String> names = NpyStrings.read(poolList);
        Map<String, Integer> seen = new HashMap<>();
        List<String> distractors = new ArrayList<>();
        int listed = 0;
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            requireFileName(name, poolList + ": entry " + i);
            Integer previous = seen.putIfAbsent(key.apply(name), i);
            if (previous != null) {
                throw new IllegalArgumentException(poolList + ": entries " + previous + " '" + names.get(previous)
                        + "' and " + i + " '" + name + "' are the same image");
            }
            if (originalByKey.containsKey(key.apply(name))) {
                listed++;
            } else {
                distractors.add(name);
            }
        }
        return new Pool(originals, distractors, listed);
    }

    /** Names are looked up in image folders: a path (or nothing) in their place would look elsewhere. */
    private static void requireFileName(String name, String where) {
        if (name.isBlank() || name.contains("/") || name.contains("\\") || name.equals("..") || name.equals(".")) {
            throw new IllegalArgumentException(where + ": '" + name + "' is not a file name");
        }
    }

    /** The annotation file: every image with at least one caption, in file order. */
    static List<RetrievalImage> captions(Path file) {
        JsonObject root = JsonInput.object(JsonInput.read(file), file.toString());
        Map<String, List<String>> byImage = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : root.entrySet()) {
            String where = file + ": image " + e.getKey();
            requireFileName(e.getKey(), where);
            JsonArray list = JsonInput.array(e.getValue(), where);
            if (list.isEmpty()) {
                throw new IllegalArgumentException(where + ": no captions");
            }
            List<String> captions = new ArrayList<>(list.size());
            for (int c = 0; c < list.size(); c++) {
                JsonElement caption = list.get(c);
                if (!caption.isJsonPrimitive() || !((JsonPrimitive) caption).isString()) {
                    throw new IllegalArgumentException(where + ": caption " + c + " must be a string");
                }
                captions.add(caption.getAsString());
            }
            byImage.put(e.getKey(), captions);
        }
        if (byImage.isEmpty()) {
            throw new IllegalArgumentException(file + ": no images");
        }
        List<RetrievalImage> out = new ArrayList<>(byImage.size());
        byImage.forEach((image, captions) -> out.add(new RetrievalImage(image, captions)));
        return out;
    }
}
