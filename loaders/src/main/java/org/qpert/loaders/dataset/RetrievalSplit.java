package org.qpert.loaders.dataset;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An image-text retrieval split: images with their captions, numbered as LAVIS numbers them (texts in image order,
 * each image's captions in file order), with the ground-truth maps of the evaluation.
 */
public final class RetrievalSplit {

    private final List<RetrievalImage> images;
    private final List<String> texts;
    private final int[] textToImage;
    private final int[][] imageToTexts;

    public RetrievalSplit(List<RetrievalImage> images) {
        this.images = List.copyOf(images);
        List<String> allTexts = new ArrayList<>();
        this.imageToTexts = new int[images.size()][];
        List<Integer> owner = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            List<String> captions = images.get(i).captions();
            imageToTexts[i] = new int[captions.size()];
            for (int c = 0; c < captions.size(); c++) {
                imageToTexts[i][c] = allTexts.size();
                allTexts.add(captions.get(c));
                owner.add(i);
            }
        }
        this.texts = List.copyOf(allTexts);
        this.textToImage = owner.stream().mapToInt(Integer::intValue).toArray();
    }

    public List<RetrievalImage> images() {
        return images;
    }

    /** Every caption, in LAVIS's order. */
    public List<String> texts() {
        return texts;
    }

    /** The image of text {@code t}. */
    public int imageOfText(int t) {
        return textToImage[t];
    }

    /** The texts of image {@code i} (ground truth for image-to-text retrieval). */
    public int[] textsOfImage(int i) {
        return imageToTexts[i].clone();
    }

    /** The image files resolved against the dataset's image folder. */
    public List<Path> imagePaths(Path imageRoot) {
        return images.stream().map(i -> imageRoot.resolve(i.image())).toList();
    }

    /** Throws naming the first image file that is missing under {@code imageRoot}. */
    public void checkImagesExist(Path imageRoot) {
        for (Path p : imagePaths(imageRoot)) {
            if (!java.nio.file.Files.isRegularFile(p)) {
                throw new IllegalArgumentException("image file not found: " + p + " (image root " + imageRoot + ")");
            }
        }
    }
}
