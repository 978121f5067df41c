package org.qpert.loaders.text;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * BERT WordPiece tokenizer that reproduces HF {@code BertTokenizer} (the "slow" Python one that LAVIS and BLIP-2
 * use): literal special tokens are kept, the rest is pre-tokenized ({@link BertPreTokenizer}) and cut by
 * {@link WordPiece}; encodings are {@code [CLS] ids [SEP]}, optionally truncated and padded to a maximum length.
 * Optionally captions are first cleaned as LAVIS does ({@link LavisCaption}). Instances are immutable and
 * thread-safe.
 */
public final class BertTokenizer {

    /** Padding of a batch: to the longest encoding of the batch, or always to the maximum length. */
    public enum Padding { LONGEST, MAX_LENGTH }

    private final WordPieceVocabulary vocabulary;
    private final TokenizerSettings settings;
    private final BertPreTokenizer preTokenizer;
    private final WordPiece wordPiece;
    private final List<String> literalTokens;
    private final int clsId;
    private final int sepId;
    private final int padId;
    private final boolean lavisCleaning;

    public BertTokenizer(WordPieceVocabulary vocabulary, TokenizerSettings settings) {
        this(vocabulary, settings, false);
    }

    private BertTokenizer(WordPieceVocabulary vocabulary, TokenizerSettings settings, boolean lavisCleaning) {
        this.vocabulary = vocabulary;
        this.settings = settings;
        this.lavisCleaning = lavisCleaning;
        this.preTokenizer = new BertPreTokenizer(settings.lowercase(), settings.stripAccents(), settings.splitCjk());
        this.wordPiece = new WordPiece(vocabulary, settings.continuationPrefix(), settings.maxCharsPerWord(),
                requiredId(vocabulary, settings.unkToken(), "unknown"));
        this.clsId = requiredId(vocabulary, settings.clsToken(), "classifier");
        this.sepId = requiredId(vocabulary, settings.sepToken(), "separator");
        this.padId = vocabulary.id(settings.padToken());
        List<String> literals = new ArrayList<>();
        for (String token : settings.literalTokens()) {
            if (!token.isEmpty() && vocabulary.contains(token)) {
                literals.add(token);
            }
        }
        // Longest first, so that of two literals starting at the same place the longer one wins.
        literals.sort(Comparator.comparingInt(String::length).reversed());
        this.literalTokens = List.copyOf(literals);
    }

    private static int requiredId(WordPieceVocabulary vocabulary, String token, String role) {
        int id = vocabulary.id(token);
        if (id < 0) {
            throw new IllegalArgumentException("vocabulary has no " + role + " token " + token);
        }
        return id;
    }

    /**
     * Reads a tokenizer from a {@code tokenizer.json}, a {@code vocab.txt}, or a checkpoint directory holding either
     * (tokenizer.json preferred). A bare {@code vocab.txt} is treated as uncased when no ordinary token has an
     * upper-case letter, as bert-base-uncased.
     */
    public static BertTokenizer load(Path path) {
        Path file = path;
        if (Files.isDirectory(path)) {
            file = Files.exists(path.resolve("tokenizer.json")) ? path.resolve("tokenizer.json")
                    : path.resolve("vocab.txt");
        }
        if (!Files.exists(file)) {
            throw new IllegalArgumentException("tokenizer file not found: " + file);
        }
        if (file.getFileName().toString().endsWith(".json")) {
            return TokenizerJson.read(file);
        }
        WordPieceVocabulary vocabulary = WordPieceVocabulary.readVocabTxt(file);
        return new BertTokenizer(vocabulary, TokenizerSettings.bert(vocabulary.looksUncased()));
    }

    /**
     * The same tokenizer with one more special token, recognized verbatim in text and given the next free id if
     * the vocabulary lacks it: BLIP-2 adds {@code [DEC]} this way (id 30522 with bert-base-uncased).
     */
    public BertTokenizer withAddedSpecialToken(String token) {
        List<String> literals = new ArrayList<>(settings.literalTokens());
        literals.add(token);
        TokenizerSettings extended = new TokenizerSettings(settings.lowercase(), settings.stripAccents(),
                settings.splitCjk(), settings.unkToken(), settings.clsToken(), settings.sepToken(),
                settings.padToken(), settings.continuationPrefix(), settings.maxCharsPerWord(), literals);
        return new BertTokenizer(vocabulary.withToken(token), extended, lavisCleaning);
    }

    /** The same tokenizer, cleaning every text with LAVIS {@code pre_caption} first (or not). */
    public BertTokenizer withLavisCleaning(boolean enabled) {
        return new BertTokenizer(vocabulary, settings, enabled);
    }

    /** Word-piece ids of {@code text}, without special tokens, truncation or padding. */
    public int[] tokenIds(String text) {
        WordPiece.IdList out = new WordPiece.IdList();
        appendIds(lavisCleaning ? LavisCaption.clean(text) : text, out);
        return out.toArray();
    }

    /** {@code [CLS] ids [SEP]} with no truncation and no padding. */
    public Encoding encode(String text) {
        int[] body = tokenIds(text);
        return frame(body, body.length + 2, body.length + 2);
    }

    /** {@code [CLS] ids [SEP]}, the ids cut so that the whole fits {@code maxLength}, padded to {@code maxLength}. */
    public Encoding encode(String text, int maxLength) {
        checkMaxLength(maxLength);
        return frame(tokenIds(text), maxLength, maxLength);
    }

    /** Encodes every text, truncated to {@code maxLength}, padded as {@code padding} says. */
    public EncodedBatch encodeBatch(List<String> texts, int maxLength, Padding padding) {
        checkMaxLength(maxLength);
        List<int[]> bodies = new ArrayList<>(texts.size());
        int longest = 2;
        for (String text : texts) {
            int[] body = tokenIds(text);
            bodies.add(body);
            longest = Math.max(longest, Math.min(body.length + 2, maxLength));
        }
        int length = padding == Padding.MAX_LENGTH ? maxLength : longest;
        int[][] ids = new int[bodies.size()][];
        int[][] mask = new int[bodies.size()][];
        for (int b = 0; b < bodies.size(); b++) {
            Encoding e = frame(bodies.get(b), maxLength, length);
            ids[b] = e.ids();
            mask[b] = e.attentionMask();
        }
        return new EncodedBatch(ids, mask, length);
    }

    public int clsId() {
        return clsId;
    }

    public int sepId() {
        return sepId;
    }

    /** The padding id, or -1 when the vocabulary has no padding token (then only unpadded encoding works). */
    public int padId() {
        return padId;
    }

    public TokenizerSettings settings() {
        return settings;
    }

    public WordPieceVocabulary vocabulary() {
        return vocabulary;
    }

    private void checkMaxLength(int maxLength) {
        if (maxLength < 2) {
            throw new IllegalArgumentException("max length must leave room for "
                    + settings.clsToken() + " and " + settings.sepToken() + " (at least 2), got " + maxLength);
        }
    }

    /** [CLS] + at most {@code maxLength - 2} ids + [SEP], padded to {@code paddedLength}. */
    private Encoding frame(int[] body, int maxLength, int paddedLength) {
        int kept = Math.min(body.length, maxLength - 2);
        int used = kept + 2;
        if (paddedLength > used && padId < 0) {
            throw new IllegalStateException("cannot pad: vocabulary has no padding token " + settings.padToken());
        }
        int[] ids = new int[paddedLength];
        int[] mask = new int[paddedLength];
        ids[0] = clsId;
        System.arraycopy(body, 0, ids, 1, kept);
        ids[kept + 1] = sepId;
        for (int i = 0; i < used; i++) {
            mask[i] = 1;
        }
        for (int i = used; i < paddedLength; i++) {
            ids[i] = padId;
        }
        return new Encoding(ids, mask);
    }

    /** Splits the text around literal special tokens and word-pieces the stretches between them. */
    private void appendIds(String text, WordPiece.IdList out) {
        int stretchStart = 0;
        int i = 0;
        while (i < text.length()) {
            String literal = literalAt(text, i);
            if (literal == null) {
                i++;
                continue;
            }
            appendPlainIds(text.substring(stretchStart, i), out);
            out.add(vocabulary.id(literal));
            i += literal.length();
            stretchStart = i;
        }
        appendPlainIds(text.substring(stretchStart), out);
    }

    private String literalAt(String text, int index) {
        for (String literal : literalTokens) {
            if (text.startsWith(literal, index)) {
                return literal;
            }
        }
        return null;
    }

    private void appendPlainIds(String text, WordPiece.IdList out) {
        for (String word : preTokenizer.words(text)) {
            wordPiece.appendIds(word, out);
        }
    }
}
