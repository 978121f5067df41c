package org.qpert.index;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * A fingerprint of a list of image ids in order, extendable one id at a time: h(0) = 32 zero bytes, h(i + 1) =
 * SHA-256(h(i) || UTF-8 id). An index records it with each commit, so a store whose images were reordered, dropped
 * (a repaired shard) or replaced (a store deleted and made again in the same folder) is told apart from one that only
 * grew, which the index can follow by appending.
 */
final class IdChain {
    private byte[] state = new byte[32];

    static String of(List<String> ids) {
        IdChain c = new IdChain();
        ids.forEach(c::add);
        return c.hex();
    }

    /** Continues from a recorded {@link #hex()}. */
    static IdChain resume(String hex) {
        IdChain c = new IdChain();
        c.state = HexFormat.of().parseHex(hex);
        return c;
    }

    void add(String id) {
        MessageDigest sha = sha256();
        sha.update(state);
        sha.update(id.getBytes(StandardCharsets.UTF_8));
        state = sha.digest();
    }

    String hex() {
        return HexFormat.of().formatHex(state);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }
}
