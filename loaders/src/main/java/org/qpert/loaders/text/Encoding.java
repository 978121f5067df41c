package org.qpert.loaders.text;

/** Token ids of one text and its attention mask (1 = real token, 0 = padding); both have the same length. */
public record Encoding(int[] ids, int[] attentionMask) {

    public Encoding {
        if (ids.length != attentionMask.length) {
            throw new IllegalArgumentException("ids and attention mask differ in length");
        }
    }

    public int length() {
        return ids.length;
    }
}
