package org.qpert.family;

import java.io.IOException;
import java.nio.file.Path;
import org.qpert.core.backend.Backend;

/**
 * A model family as a plug-in (DESIGN.md "Model families"), found at run time through {@link java.util.ServiceLoader}
 * ({@code META-INF/services/org.qpert.family.ModelFamily}) as the CUDA backend is: it recognises a checkpoint folder
 * by its files, and loads it with its own tokenizer and image preprocessing. Nothing above the engine names a family;
 * it reads the loaded model's {@link org.qpert.core.model.ModelCard}.
 */
public interface ModelFamily {

    /** The family's name, as its card and stores give it. */
    String name();

    /** Whether {@code dir} holds a checkpoint of this family (decided by its files, without reading weights). */
    boolean recognises(Path dir);

    /** The checkpoint's image preprocessing alone, without loading weights. */
    ImagePreprocessing images(Path dir) throws IOException;

    /** The checkpoint's caption handling alone (its tokenizer files), without loading weights. */
    CaptionEncoder captions(Path dir, CaptionOptions options) throws IOException;

    /** Loads the checkpoint in {@code dir} onto {@code backend}; the caller closes the backend. */
    FamilyModel load(Path dir, Backend backend, CaptionOptions captions) throws IOException;

    /**
     * Loads the model {@code variant} names, for a checkpoint that holds several retrieval models (null: the one
     * the folder names, else the family's default). A family with one model refuses any name.
     */
    default FamilyModel load(Path dir, Backend backend, CaptionOptions captions, String variant) throws IOException {
        if (variant != null) {
            throw new IllegalArgumentException("a " + name() + " checkpoint holds one model: variant '" + variant
                    + "' does not apply");
        }
        return load(dir, backend, captions);
    }
}
