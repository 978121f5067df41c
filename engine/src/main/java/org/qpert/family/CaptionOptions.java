package org.qpert.family;

/**
 * How captions are prepared before the family's tokenizer.
 *
 * @param maxTokens tokens a caption is cut to, special tokens included; 0 for the family's own length
 * @param cleaning  whether the family's caption cleaning runs (BLIP-2: LAVIS's {@code pre_caption}; CoCa: open_clip's)
 */
public record CaptionOptions(int maxTokens, boolean cleaning) {
    public static final CaptionOptions DEFAULT = new CaptionOptions(0, true);

    public CaptionOptions {
        if (maxTokens != 0 && maxTokens < 3) {
            throw new IllegalArgumentException("maxTokens " + maxTokens
                    + " leaves no room for a word between the start and end tokens");
        }
    }

    /** {@link #maxTokens()} or, when 0, {@code familyDefault}. */
    public int maxTokensOr(int familyDefault) {
        return maxTokens == 0 ? familyDefault : maxTokens;
    }
}
