package org.qpert.loaders.text;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.jsoup.parser.Parser;

/**
 * open_clip's {@code SimpleTokenizer} (spec/COCA.md §4), as CoCa reads captions: cleaning (the deterministic parts of
 * ftfy's {@code fix_text}, then HTML unescaped twice, whitespace runs to one space, stripped, lower case); open_clip's
 * split ({@code <start_of_text>}, {@code <end_of_text>}, contractions, letter runs, single digits, other runs); CLIP's
 * byte-level BPE with {@code </w>} word ends; then [SOT] ids [EOT], cut to the context with the last id set to EOT
 * (cut, not refused), padded with 0. The vocabulary is open_clip's {@code bpe_simple_vocab_16e6.txt.gz}, shipped in the
 * jar (MIT, see NOTICE), or an HF CLIP {@code vocab.json} + {@code merges.txt}, which hold the same BPE.
 *
 * <p>ftfy's mojibake repair (e.g. "cafÃ©" → "café") and its other heuristic byte-level fixes are not reproduced:
 * such text is tokenized as given (docs/openclip-text.md). Immutable and thread-safe.
 */
public final class OpenClipTokenizer {
    public static final String SOT = "<start_of_text>";
    public static final String EOT = "<end_of_text>";
    public static final int PAD_ID = 0;
    /** open_clip's context for CoCa (76 ids; the text tower appends its cls after them). */
    public static final int CONTEXT = 76;
    private static final String VOCAB = "bpe_simple_vocab_16e6.txt.gz";
    /** open_clip reads merges 1..48894 of the file: 49152 − 256 − 2 of them. */
    private static final int MERGES = 49152 - 256 - 2;

    private static final Pattern SPLIT = Pattern.compile(Pattern.quote(SOT) + "|" + Pattern.quote(EOT)
            + "|'s|'t|'re|'ve|'m|'ll|'d|\\p{L}+|\\p{N}|[^\\s\\p{L}\\p{N}]+",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern WHITESPACE = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern TERMINAL_ESCAPE = Pattern.compile("\u001b\\[((?:\\d|;)*)([a-zA-Z])");

    private final BytePairEncoding bpe;
    private final int sotId;
    private final int eotId;

    OpenClipTokenizer(BytePairEncoding bpe, int sotId, int eotId) {
        this.bpe = bpe;
        this.sotId = sotId;
        this.eotId = eotId;
    }

    /** open_clip's vocabulary from the jar. */
    public static OpenClipTokenizer bundled() {
        try (InputStream in = OpenClipTokenizer.class.getResourceAsStream(VOCAB)) {
            if (in == null) {
                throw new IllegalStateException("the jar lacks " + VOCAB);
            }
            return fromBpeFile(new GZIPInputStream(in), VOCAB);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + VOCAB + " from the jar: " + e.getMessage(), e);
        }
    }

    /**
     * The vocabulary of an HF CLIP tokenizer in {@code dir} ({@code vocab.json} + {@code merges.txt}, or
     * {@code tokenizer.json}), whose special tokens are spelled {@code <|startoftext|>} / {@code <|endoftext|>}.
     */
    public static OpenClipTokenizer fromHfFiles(Path dir) {
        ClipTokenizer hf = ClipTokenizer.load(dir);
        return new OpenClipTokenizer(hf.bpe(), hf.bosId(), hf.eosId());
    }

    /** The tokenizer files a CoCa folder may hold ({@code vocab.json} + {@code merges.txt}), else the bundled one. */
    public static OpenClipTokenizer forFolder(Path dir) {
        boolean hf = Files.isRegularFile(dir.resolve("vocab.json")) && Files.isRegularFile(dir.resolve("merges.txt"))
                || Files.isRegularFile(dir.resolve("tokenizer.json"));
        return hf ? fromHfFiles(dir) : bundled();
    }

    /** open_clip's {@code bpe_simple_vocab_16e6.txt} read from {@code in} (its first line is a header). */
    static OpenClipTokenizer fromBpeFile(InputStream in, String source) throws IOException {
        List<String[]> merges = new ArrayList<>(MERGES);
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String header = r.readLine();
        if (header == null) {
            throw new IllegalArgumentException(source + ": empty");
        }
        for (String line; merges.size() < MERGES && (line = r.readLine()) != null; ) {
            String[] pair = line.split(" ");
            if (pair.length != 2) {
                throw new IllegalArgumentException(source + " line " + (merges.size() + 2) + ": not a merge pair");
            }
            merges.add(pair);
        }
        // open_clip's vocabulary: the 256 byte symbols in bytes_to_unicode order, the same with </w>, the merged
        // symbols in merge order, then the two special tokens.
        List<String> vocab = new ArrayList<>(49408);
        for (char c : BytePairEncoding.bytesToUnicodeOrder()) {
            vocab.add(String.valueOf(c));
        }
        for (int i = 0; i < 256; i++) {
            vocab.add(vocab.get(i) + BytePairEncoding.END_OF_WORD);
        }
        for (String[] m : merges) {
            vocab.add(m[0] + m[1]);
        }
        vocab.add(SOT);
        vocab.add(EOT);
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < vocab.size(); i++) {
            ids.putIfAbsent(vocab.get(i), i);
        }
        return new OpenClipTokenizer(new BytePairEncoding(ids, merges, -1), ids.get(SOT), ids.get(EOT));
    }

    public int sotId() {
        return sotId;
    }

    public int eotId() {
        return eotId;
    }

    /** The text the BPE sees: ftfy's deterministic fixes, HTML unescaped twice, whitespace cleaned, lower case. */
    public static String clean(String text) {
        String t = Ftfy.fixText(text);
        t = Parser.unescapeEntities(Parser.unescapeEntities(t, false), false);
        return WHITESPACE.matcher(t.strip()).replaceAll(" ").strip().toLowerCase(Locale.ROOT);
    }

    /** BPE ids of the cleaned caption, without SOT/EOT. */
    public int[] bpeIds(String caption) {
        String cleaned = clean(caption);
        WordPiece.IdList out = new WordPiece.IdList();
        Matcher m = SPLIT.matcher(cleaned);
        while (m.find()) {
            String token = m.group();
            if (token.equals(SOT)) {
                out.add(sotId);
            } else if (token.equals(EOT)) {
                out.add(eotId);
            } else {
                bpe.appendIds(token, out);
            }
        }
        return out.toArray();
    }

    /**
     * [SOT] ids [EOT] of {@code caption}, at most {@code context} ids (longer: the first {@code context} with the last
     * set to EOT); padded with 0 to {@code context} when {@code pad}.
     */
    public Encoding encode(String caption, int context, boolean pad) {
        if (context < 2) {
            throw new IllegalArgumentException("context " + context + " leaves no room for " + SOT + " and " + EOT);
        }
        int[] body = bpeIds(caption);
        int length = Math.min(body.length + 2, context);
        int[] ids = new int[pad ? context : length];
        ids[0] = sotId;
        System.arraycopy(body, 0, ids, 1, length - 2);
        ids[length - 1] = eotId;
        int[] mask = new int[ids.length];
        Arrays.fill(mask, 0, length, 1);
        return new Encoding(ids, mask);
    }

    /** ftfy 6's {@code fix_text}, the parts that do not guess at encodings. */
    static final class Ftfy {
        private Ftfy() {
        }

        static String fixText(String text) {
            String previous;
            String t = text;
            do { // ftfy applies its fixes until the text stops changing
                previous = t;
                if (t.indexOf('<') < 0) { // "auto": text with a '<' may be real HTML, left alone
                    t = Parser.unescapeEntities(t, false);
                }
                t = TERMINAL_ESCAPE.matcher(t).replaceAll("");
                t = ligatures(t);
                t = width(t);
                t = uncurlQuotes(t);
                t = lineBreaks(t);
                t = removeControlChars(t);
                t = Normalizer.normalize(t, Normalizer.Form.NFC);
            } while (!t.equals(previous));
            return t;
        }

        /** ftfy's {@code LIGATURES}: Latin ligatures (not æ, œ, which are letters of their languages). */
        private static String ligatures(String t) {
            StringBuilder out = null;
            for (int i = 0; i < t.length(); i++) {
                String r = switch (t.charAt(i)) {
                    case '\u0132' -> "IJ";
                    case '\u0133' -> "ij";
                    case '\u0149' -> "\u02bcn";
                    case '\u01c4' -> "D\u017d";
                    case '\u01c5' -> "D\u017e";
                    case '\u01c6' -> "d\u017e";
                    case '\u01c7' -> "LJ";
                    case '\u01c8' -> "Lj";
                    case '\u01c9' -> "lj";
                    case '\u01ca' -> "NJ";
                    case '\u01cb' -> "Nj";
                    case '\u01cc' -> "nj";
                    case '\ufb00' -> "ff";
                    case '\ufb01' -> "fi";
                    case '\ufb02' -> "fl";
                    case '\ufb03' -> "ffi";
                    case '\ufb04' -> "ffl";
                    case '\ufb05' -> "\u017ft";
                    case '\ufb06' -> "st";
                    default -> null;
                };
                if (r != null && out == null) {
                    out = new StringBuilder(t.substring(0, i));
                }
                if (out != null) {
                    out.append(r != null ? r : String.valueOf(t.charAt(i)));
                }
            }
            return out == null ? t : out.toString();
        }

        /** ftfy's {@code fix_character_width}: U+FF01..U+FFEF to their NFKC forms, the ideographic space to a space. */
        private static String width(String t) {
            StringBuilder out = new StringBuilder(t.length());
            for (int i = 0; i < t.length(); i++) {
                char c = t.charAt(i);
                if (c == '\u3000') {
                    out.append(' ');
                } else if (c >= '\uff01' && c <= '\uffef') {
                    out.append(Normalizer.normalize(String.valueOf(c), Normalizer.Form.NFKC));
                } else {
                    out.append(c);
                }
            }
            return out.toString();
        }

        private static String uncurlQuotes(String t) {
            return t.replaceAll("[\u2018\u2019\u201a\u201b]", "'").replaceAll("[\u201c\u201d\u201e\u201f]", "\"");
        }

        private static String lineBreaks(String t) {
            return t.replace("\r\n", "\n").replaceAll("[\r\u2028\u2029\u0085]", "\n");
        }

        /** ftfy's {@code CONTROL_CHARS}: C0 controls but tab and line breaks, DEL, and the Unicode "format" oddities. */
        private static String removeControlChars(String t) {
            StringBuilder out = new StringBuilder(t.length());
            t.codePoints().filter(cp -> !isControl(cp)).forEach(out::appendCodePoint);
            return out.toString();
        }

        private static boolean isControl(int cp) {
            return cp <= 0x08 || cp == 0x0b || (cp >= 0x0e && cp <= 0x1f) || cp == 0x7f
                    || (cp >= 0x206a && cp <= 0x206f) || cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffc)
                    || (cp >= 0xe0000 && cp <= 0xe007f);
        }
    }
}
