package org.qpert.loaders.text;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * SentencePiece BPE encoding as the library's {@code bpe_model.cc} does it, for LLaMA-style models (InternVL's QLLaMA):
 * the text normalized by the model's whitespace rules (dummy "▁" prefix, spaces to "▁"; the identity normalization of
 * LLaMA, so no NFKC), split into characters (user-defined pieces kept whole), then the adjacent pair whose join is a
 * piece with the highest score merged, again and again (equal scores: the leftmost pair first); a symbol that is no
 * piece becomes its UTF-8 bytes' {@code <0xXX>} pieces under byte fallback, else {@code <unk>}. Immutable and
 * thread-safe.
 */
public final class SentencePieceTokenizer {
    /** File name of the model, at a checkpoint folder's root (as on the Hub) or in its {@code tokenizer/}. */
    public static final String FILE_NAME = "tokenizer.model";
    private static final String SPACE = "\u2581";

    private final SentencePieceModel model;
    private final Map<String, Integer> mergeable = new HashMap<>(); // NORMAL and USER_DEFINED pieces
    private final List<String> userDefined = new ArrayList<>();
    private final int[] byteIds = new int[256];

    public SentencePieceTokenizer(SentencePieceModel model) {
        this.model = model;
        Arrays.fill(byteIds, -1);
        List<SentencePieceModel.Piece> pieces = model.pieces();
        for (int id = 0; id < pieces.size(); id++) {
            SentencePieceModel.Piece p = pieces.get(id);
            switch (p.type()) {
                case NORMAL, USER_DEFINED -> mergeable.putIfAbsent(p.piece(), id);
                case BYTE -> {
                    int b = byteOf(p.piece());
                    if (b >= 0) {
                        byteIds[b] = id;
                    }
                }
                default -> { }
            }
            if (p.type() == SentencePieceModel.Type.USER_DEFINED) {
                userDefined.add(p.piece());
            }
        }
        userDefined.sort((a, b) -> b.length() - a.length()); // longest match first
    }

    /** The model in {@code dir}/tokenizer.model or {@code dir}/tokenizer/tokenizer.model (or the file itself). */
    public static SentencePieceTokenizer load(Path fileOrDir) throws IOException {
        Path file = fileOrDir;
        if (Files.isDirectory(fileOrDir)) {
            file = fileOrDir.resolve(FILE_NAME);
            if (!Files.isRegularFile(file)) {
                file = fileOrDir.resolve("tokenizer").resolve(FILE_NAME);
            }
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException(fileOrDir + " has no " + FILE_NAME + " (looked at its root and in "
                        + "tokenizer/)");
            }
        }
        return new SentencePieceTokenizer(SentencePieceModel.read(file));
    }

    public SentencePieceModel model() {
        return model;
    }

    /** The pieces' ids of {@code text}, no BOS/EOS. */
    public int[] encode(String text) {
        List<String> symbols = merge(initialSymbols(normalize(text)));
        int[] ids = new int[symbols.size() * 4];
        int n = 0;
        for (String s : symbols) {
            Integer id = mergeable.get(s);
            if (id != null) {
                ids[n++] = id;
            } else if (model.byteFallback()) {
                for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
                    int bid = byteIds[b & 0xff];
                    ids = grow(ids, n);
                    ids[n++] = bid >= 0 ? bid : model.unkId();
                }
            } else {
                ids[n++] = model.unkId();
            }
        }
        return Arrays.copyOf(ids, n);
    }

    /**
     * BOS, the pieces of {@code text} cut to {@code maxLength − 2}, EOS, then {@code padId} up to {@code maxLength}
     * (LLaMA's tokenizer with right padding and truncation), with the mask of the real tokens.
     */
    public Encoding encode(String text, int maxLength, int padId, boolean pad) {
        if (maxLength < 2) {
            throw new IllegalArgumentException("maximum length " + maxLength + " leaves no room for BOS and EOS");
        }
        int[] pieces = encode(text);
        int kept = Math.min(pieces.length, maxLength - 2);
        int length = pad ? maxLength : kept + 2;
        int[] ids = new int[length];
        int[] mask = new int[length];
        Arrays.fill(ids, padId);
        ids[0] = model.bosId();
        System.arraycopy(pieces, 0, ids, 1, kept);
        ids[kept + 1] = model.eosId();
        Arrays.fill(mask, 0, kept + 2, 1);
        return new Encoding(ids, mask);
    }

    /** The pieces' strings of {@code text} (as {@code sp.encode(text, out_type=str)}), byte pieces spelled out. */
    public List<String> pieces(String text) {
        List<String> out = new ArrayList<>();
        for (int id : encode(text)) {
            out.add(model.pieces().get(id).piece());
        }
        return out;
    }

    private String normalize(String text) {
        String t = text;
        if (model.removeExtraWhitespaces()) {
            t = t.strip().replaceAll(" +", " ");
        }
        if (t.isEmpty()) {
            return t;
        }
        if (model.addDummyPrefix()) {
            t = " " + t;
        }
        return model.escapeWhitespaces() ? t.replace(" ", SPACE) : t;
    }

    private List<String> initialSymbols(String text) {
        List<String> out = new ArrayList<>();
        int i = 0;
        outer:
        while (i < text.length()) {
            for (String u : userDefined) {
                if (text.startsWith(u, i)) {
                    out.add(u);
                    i += u.length();
                    continue outer;
                }
            }
            int next = text.offsetByCodePoints(i, 1);
            out.add(text.substring(i, next));
            i = next;
        }
        return out;
    }

    /** The merge loop over a linked list of symbols, with a heap of candidate pairs (stale entries skipped). */
    private List<String> merge(List<String> initial) {
        int n = initial.size();
        String[] sym = initial.toArray(new String[0]);
        int[] prev = new int[n], next = new int[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        PriorityQueue<Candidate> agenda = new PriorityQueue<>();
        for (int i = 0; i + 1 < n; i++) {
            offer(agenda, sym, i, i + 1);
        }
        while (!agenda.isEmpty()) {
            Candidate c = agenda.poll();
            if (sym[c.left] == null || sym[c.right] == null || next[c.left] != c.right
                    || !(sym[c.left] + sym[c.right]).equals(c.joined)) {
                continue; // one side was merged into something else since
            }
            sym[c.left] = c.joined;
            sym[c.right] = null;
            next[c.left] = next[c.right];
            if (next[c.right] >= 0) {
                prev[next[c.right]] = c.left;
            }
            if (prev[c.left] >= 0) {
                offer(agenda, sym, prev[c.left], c.left);
            }
            if (next[c.left] >= 0) {
                offer(agenda, sym, c.left, next[c.left]);
            }
        }
        List<String> out = new ArrayList<>();
        for (int i = n == 0 ? -1 : 0; i >= 0; i = next[i]) {
            out.add(sym[i]);
        }
        return out;
    }

    private void offer(PriorityQueue<Candidate> agenda, String[] sym, int left, int right) {
        String joined = sym[left] + sym[right];
        Integer id = mergeable.get(joined);
        if (id != null) {
            agenda.add(new Candidate(left, right, joined, model.pieces().get(id).score()));
        }
    }

    /** A pair that can merge: best score first, then the leftmost. */
    private record Candidate(int left, int right, String joined, float score) implements Comparable<Candidate> {
        @Override
        public int compareTo(Candidate o) {
            int c = Float.compare(o.score, score);
            return c != 0 ? c : Integer.compare(left, o.left);
        }
    }

    private static int byteOf(String piece) {
        if (piece.length() == 6 && piece.startsWith("<0x") && piece.endsWith(">")) {
            try {
                return Integer.parseInt(piece.substring(3, 5), 16);
            } catch (NumberFormatException e) {
                return -1;
            }
        }
        return -1;
    }

    private static int[] grow(int[] a, int n) {
        return n < a.length ? a : Arrays.copyOf(a, a.length * 2 + 4);
    }
}
