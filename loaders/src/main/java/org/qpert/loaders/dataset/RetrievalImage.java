package org.qpert.loaders.dataset;

import java.util.List;

/** One gallery image of a retrieval split (path relative to the dataset's image folder) and its captions. */
public record RetrievalImage(String image, List<String> captions) {

    public RetrievalImage {
        captions = List.copyOf(captions);
    }
}
