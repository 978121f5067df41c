package org.qpert.loaders.dataset;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a Karpathy retrieval split in either of its two public forms:
 * <ul>
 * <li>LAVIS annotation files ({@code flickr30k_test.json}, {@code coco_karpathy_test.json}): an array of
 * {@code {"image": "flickr30k-images/1007129816.jpg", "caption": ["...", ...]}}; a caption may also be a single
 * string, and entries of the same image are merged in order (LAVIS's training files);</li>
 * <li>Karpathy's own {@code dataset_flickr30k.json} / {@code dataset_coco.json}: {@code {"images": [{"filepath",
 * "filename", "split", "sentences": [{"raw"}]}]}}, of which one split is kept.</li>
 * </ul>
 * Captions are returned raw; cleaning (LAVIS {@code pre_caption}) belongs to the tokenizer.
 */
public final class KarpathySplit {

    private KarpathySplit() {
    }

    /** Reads a LAVIS file, or the "test" split of a Karpathy dataset file. */
    public static RetrievalSplit read(Path file) {
        return read(file, "test");
    }

    /** As {@link #read(Path)}; {@code split} selects the images of a Karpathy dataset file (ignored for LAVIS). */
    public static RetrievalSplit read(Path file, String split) {
        JsonElement root = JsonInput.read(file);
        RetrievalSplit result = root.isJsonArray() ? readLavis(file, root.getAsJsonArray())
                : readKarpathy(file, JsonInput.object(root, file.toString()), split);
        if (result.images().isEmpty()) {
            throw new IllegalArgumentException(file + ": no images" + (root.isJsonArray() ? "" : " in split " + split));
        }
        return result;
    }

    private static RetrievalSplit readLavis(Path file, JsonArray entries) {
        Map<String, List<String>> captionsByImage = new LinkedHashMap<>();
        for (int i = 0; i < entries.size(); i++) {
            String where = file + ": entry " + i;
            JsonObject entry = JsonInput.object(entries.get(i), where);
            String image = JsonInput.string(entry, "image", where);
            List<String> captions = captionsByImage.computeIfAbsent(image, k -> new ArrayList<>());
            JsonElement caption = entry.get("caption");
            if (caption != null && caption.isJsonArray()) {
                JsonArray list = caption.getAsJsonArray();
                for (int c = 0; c < list.size(); c++) {
                    captions.add(captionText(list.get(c), where + " caption " + c));
                }
            } else {
                captions.add(captionText(caption, where + " caption"));
            }
        }
        List<RetrievalImage> images = new ArrayList<>();
        captionsByImage.forEach((image, captions) -> images.add(new RetrievalImage(image, captions)));
        return new RetrievalSplit(images);
    }

    private static RetrievalSplit readKarpathy(Path file, JsonObject root, String split) {
        JsonArray entries = JsonInput.array(root.get("images"), file + ": \"images\"");
        List<RetrievalImage> images = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            String where = file + ": images[" + i + "]";
            JsonObject entry = JsonInput.object(entries.get(i), where);
            if (!split.equals(JsonInput.string(entry, "split", where))) {
                continue;
            }
            String name = JsonInput.string(entry, "filename", where);
            String image = entry.has("filepath") ? JsonInput.string(entry, "filepath", where) + "/" + name : name;
            JsonArray sentences = JsonInput.array(entry.get("sentences"), where + " sentences");
            List<String> captions = new ArrayList<>();
            for (int s = 0; s < sentences.size(); s++) {
                JsonObject sentence = JsonInput.object(sentences.get(s), where + " sentence " + s);
                captions.add(JsonInput.string(sentence, "raw", where + " sentence " + s));
            }
            images.add(new RetrievalImage(image, captions));
        }
        return new RetrievalSplit(images);
    }

    private static String captionText(JsonElement caption, String where) {
        if (caption == null || !caption.isJsonPrimitive() || !caption.getAsJsonPrimitive().isString()) {
            throw new IllegalArgumentException(where + ": caption must be a string or a list of strings");
        }
        return caption.getAsString();
    }
}
