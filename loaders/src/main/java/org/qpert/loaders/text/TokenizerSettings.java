package org.qpert.loaders.text;

import java.util.List;

/**
 * How a BERT tokenizer normalizes and which special tokens it uses.
 *
 * @param lowercase          lowercase each word (uncased vocabularies)
 * @param stripAccents       remove combining marks after NFD
 * @param splitCjk           put spaces around CJK ideographs
 * @param unkToken           the unknown token, e.g. {@code [UNK]}
 * @param clsToken           the token put first, e.g. {@code [CLS]}
 * @param sepToken           the token put last, e.g. {@code [SEP]}
 * @param padToken           the padding token, e.g. {@code [PAD]}
 * @param continuationPrefix the prefix of word continuations, e.g. {@code ##}
 * @param maxCharsPerWord    longer words (in code points) become the unknown token
 * @param literalTokens      tokens that are recognized verbatim in the text and never split
 */
public record TokenizerSettings(boolean lowercase, boolean stripAccents, boolean splitCjk, String unkToken,
                                String clsToken, String sepToken, String padToken, String continuationPrefix,
                                int maxCharsPerWord, List<String> literalTokens) {

    public TokenizerSettings {
        if (maxCharsPerWord < 1) {
            throw new IllegalArgumentException("maxCharsPerWord must be positive, got " + maxCharsPerWord);
        }
        literalTokens = List.copyOf(literalTokens);
    }

    /** HF {@code BertTokenizer} defaults for a vocabulary that is cased or not. */
    public static TokenizerSettings bert(boolean uncased) {
        return new TokenizerSettings(uncased, uncased, true, "[UNK]", "[CLS]", "[SEP]", "[PAD]", "##", 100,
                List.of("[UNK]", "[SEP]", "[PAD]", "[CLS]", "[MASK]"));
    }
}
