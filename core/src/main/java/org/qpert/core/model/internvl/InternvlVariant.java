package org.qpert.core.model.internvl;

import java.util.Locale;

/** Which of the checkpoint's two retrieval models embeds images (spec/INTERNVL.md §3.4); text is the same for both. */
public enum InternvlVariant {
    /** InternViT and the attention pooling over its tokens. */
    C("InternVL-C", "InternVL_C"),
    /** InternVL-C's embedding plus the pooled QLLaMA outputs of the learned queries attending to the image. */
    G("InternVL-G", "InternVL_G");

    private final String title;
    private final String architecture;

    InternvlVariant(String title, String architecture) {
        this.title = title;
        this.architecture = architecture;
    }

    /** The name in reports, e.g. {@code InternVL-G}. */
    public String title() {
        return title;
    }

    /** The reference code's retrieval class, as {@code config.json}'s {@code architectures} names it. */
    public String architecture() {
        return architecture;
    }

    /** {@code c}, {@code g}, {@code InternVL-C}, {@code InternVL_G} (any case) → the variant; else a clear error. */
    public static InternvlVariant parse(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT).replace('_', '-');
        for (InternvlVariant v : values()) {
            if (n.equals(v.name()) || n.equals(v.title.toUpperCase(Locale.ROOT))) {
                return v;
            }
        }
        throw new IllegalArgumentException("InternVL variant '" + name + "' is neither C (InternVL-C) nor G "
                + "(InternVL-G)");
    }
}
