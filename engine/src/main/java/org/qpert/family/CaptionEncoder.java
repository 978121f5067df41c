package org.qpert.family;

import org.qpert.loaders.text.Encoding;

/** A family's caption handling: its cleaning, its tokenizer, its length. */
@FunctionalInterface
public interface CaptionEncoder {

    /**
     * Ids and mask of {@code caption} as the model reads them, without padding. Refuses an empty caption, or one with
     * no token left after cleaning, naming it.
     */
    Encoding encode(String caption);
}
