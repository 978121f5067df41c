package org.qpert.api;

/**
 * One embedded caption: the normalized projected [CLS] feature and the token ids it came from.
 *
 * @param caption the caption as given
 * @param ids     its token ids ([CLS] … [SEP], truncated to the facade's max length)
 */
public record TextEmbedding(String caption, int[] ids, float[] feature) {
}
