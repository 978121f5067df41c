package org.qpert.loaders.text;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A SentencePiece BPE {@code tokenizer.model} (LLaMA's kind; unigram models are refused): the few fields of its protobuf
 * ({@code ModelProto}) that encoding reads — the pieces with their scores and types, byte fallback and the special ids
 * of {@code TrainerSpec},
 * and the whitespace handling of {@code NormalizerSpec}. Absent fields take the proto's defaults. Read with a small
 * reader of the protobuf wire format (the file holds nothing else we need), every length checked against what is
 * left of the file.
 *
 * @param pieces                 the vocabulary, id = position
 * @param byteFallback           unknown characters become their UTF-8 bytes' {@code <0xXX>} pieces
 * @param addDummyPrefix         a "▁" is put before the text
 * @param removeExtraWhitespaces runs of spaces collapse and leading/trailing ones go
 * @param escapeWhitespaces      spaces become "▁"
 */
public record SentencePieceModel(List<Piece> pieces, boolean byteFallback, int unkId, int bosId,
                                 int eosId, int padId, boolean addDummyPrefix, boolean removeExtraWhitespaces,
                                 boolean escapeWhitespaces) {

    /** A real LLaMA vocabulary is about 0.5 MB; this refuses to read a wrong, huge file into memory. */
    static final long MAX_BYTES = 64L * 1024 * 1024;

    /** {@code ModelProto.SentencePiece.Type}. */
    public enum Type { NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE }

    public record Piece(String piece, float score, Type type) {
    }

    public SentencePieceModel {
        pieces = List.copyOf(pieces);
    }

    public static SentencePieceModel read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": no such file");
        }
        long size = Files.size(file);
        if (size > MAX_BYTES) {
            throw new IllegalArgumentException(file + ": " + size + " bytes, more than the " + MAX_BYTES
                    + "-byte limit for a SentencePiece model");
        }
        return parse(Files.readAllBytes(file), file.toString());
    }

    static SentencePieceModel parse(byte[] bytes, String source) {
        Wire w = new Wire(bytes, 0, bytes.length, source);
        List<Piece> pieces = new ArrayList<>();
        int modelType = 1;
        boolean byteFallback = false;
        int unk = 0, bos = 1, eos = 2, pad = -1;
        boolean dummy = true, removeExtra = true, escape = true;
        while (w.more()) {
            int tag = w.varint32();
            switch (tag) {
                case (1 << 3) | 2 -> pieces.add(piece(w.message()));
                case (2 << 3) | 2 -> {
                    Wire t = w.message();
                    while (t.more()) {
                        int f = t.varint32();
                        switch (f) {
                            case (3 << 3) -> modelType = t.varint32();
                            case (35 << 3) -> byteFallback = t.varint() != 0;
                            case (40 << 3) -> unk = t.varint32();
                            case (41 << 3) -> bos = t.varint32();
                            case (42 << 3) -> eos = t.varint32();
                            case (43 << 3) -> pad = t.varint32();
                            default -> t.skip(f);
                        }
                    }
                }
                case (3 << 3) | 2 -> {
                    Wire n = w.message();
                    while (n.more()) {
                        int f = n.varint32();
                        switch (f) {
                            case (3 << 3) -> dummy = n.varint() != 0;
                            case (4 << 3) -> removeExtra = n.varint() != 0;
                            case (5 << 3) -> escape = n.varint() != 0;
                            default -> n.skip(f);
                        }
                    }
                }
                default -> w.skip(tag);
            }
        }
        if (modelType != 2) {
            throw new IllegalArgumentException(source + ": a SentencePiece model of type " + modelType
                    + " (only BPE, type 2, as LLaMA's, is supported)");
        }
        if (pieces.isEmpty()) {
            throw new IllegalArgumentException(source + ": no pieces (not a SentencePiece model?)");
        }
        for (int id : new int[] {unk, bos, eos}) {
            if (id < 0 || id >= pieces.size()) {
                throw new IllegalArgumentException(source + ": special id " + id + " outside the " + pieces.size()
                        + " pieces");
            }
        }
        return new SentencePieceModel(pieces, byteFallback, unk, bos, eos, pad, dummy, removeExtra, escape);
    }

    private static Piece piece(Wire w) {
        String text = null;
        float score = 0;
        Type type = Type.NORMAL;
        while (w.more()) {
            int f = w.varint32();
            switch (f) {
                case (1 << 3) | 2 -> text = w.string();
                case (2 << 3) | 5 -> score = Float.intBitsToFloat(w.fixed32());
                case (3 << 3) -> {
                    int t = w.varint32();
                    if (t < 1 || t > Type.values().length) {
                        throw w.invalid("piece type " + t);
                    }
                    type = Type.values()[t - 1];
                }
                default -> w.skip(f);
            }
        }
        if (text == null) {
            throw w.invalid("a piece without its text");
        }
        return new Piece(text, score, type);
    }

    /** A bounded view of protobuf wire bytes. */
    private static final class Wire {
        private final byte[] b;
        private int at;
        private final int end;
        private final String source;

        Wire(byte[] b, int from, int end, String source) {
            this.b = b;
            this.at = from;
            this.end = end;
            this.source = source;
        }

        boolean more() {
            return at < end;
        }

        long varint() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (at >= end) {
                    throw invalid("a number runs past the end");
                }
                byte x = b[at++];
                v |= (long) (x & 0x7f) << shift;
                if (x >= 0) {
                    return v;
                }
            }
            throw invalid("a number longer than 10 bytes");
        }

        int varint32() {
            return (int) varint(); // int32 fields: negative values are sign-extended to 10 bytes, low 32 bits kept
        }

        int fixed32() {
            need(4);
            int v = (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
            at += 4;
            return v;
        }

        Wire message() {
            int n = length();
            Wire w = new Wire(b, at, at + n, source);
            at += n;
            return w;
        }

        String string() {
            int n = length();
            try {
                String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .decode(java.nio.ByteBuffer.wrap(b, at, n)).toString();
                at += n;
                return s;
            } catch (CharacterCodingException e) {
                throw invalid("a piece that is not UTF-8");
            }
        }

        private int length() {
            long n = varint();
            if (n < 0 || n > end - at) {
                throw invalid("a field of " + n + " bytes where " + (end - at) + " are left");
            }
            return (int) n;
        }

        private void need(int n) {
            if (end - at < n) {
                throw invalid("a field runs past the end");
            }
        }

        void skip(int tag) {
            switch (tag & 7) {
                case 0 -> varint();
                case 1 -> {
                    need(8);
                    at += 8;
                }
                case 2 -> {
                    int n = length(); // read first: it moves past the length's own bytes
                    at += n;
                }
                case 5 -> {
                    need(4);
                    at += 4;
                }
                default -> throw invalid("wire type " + (tag & 7) + " of field " + (tag >>> 3));
            }
        }

        IllegalArgumentException invalid(String what) {
            return new IllegalArgumentException(source + ": not a SentencePiece model (" + what + " at byte " + at
                    + ")");
        }
    }
}
