package org.qpert.loaders.hub;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * One model's part of the Hub cache, laid out exactly as huggingface_hub does so either can fill it for the other:
 * <pre>
 * CACHE/models--ORG--NAME/blobs/ETAG                 file contents, named by ETag (SHA-256 for LFS files)
 * CACHE/models--ORG--NAME/blobs/ETAG.incomplete      a download in progress (resumed from its length)
 * CACHE/models--ORG--NAME/snapshots/COMMIT/FILE      relative symlink to ../../blobs/ETAG (a copy where links fail)
 * CACHE/models--ORG--NAME/refs/REVISION              the commit a branch or tag pointed at when last resolved
 * CACHE/.locks/models--ORG--NAME/ETAG.lock           held while a blob is downloaded
 * </pre>
 */
final class HubCache {
    private static final System.Logger LOG = System.getLogger(HubCache.class.getName());

    private final Path repoDir;
    private final Path locksDir;

    HubCache(Path cache, HubModelId id) {
        this.repoDir = cache.resolve(id.cacheFolder());
        this.locksDir = cache.resolve(".locks").resolve(id.cacheFolder());
    }

    Path repoDir() {
        return repoDir;
    }

    Path blob(String etag) {
        return repoDir.resolve("blobs").resolve(etag);
    }

    Path incomplete(String etag) {
        return repoDir.resolve("blobs").resolve(etag + ".incomplete");
    }

    Path snapshot(String commit) {
        return repoDir.resolve("snapshots").resolve(commit);
    }

    /** The commit {@code refs/REVISION} records, if the revision was resolved before. */
    Optional<String> ref(String revision) throws IOException {
        Path f = repoDir.resolve("refs").resolve(revision);
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        String commit = Files.readString(f, StandardCharsets.UTF_8).strip();
        return commit.matches("[0-9a-f]{40}") ? Optional.of(commit) : Optional.empty();
    }

    void writeRef(String revision, String commit) throws IOException {
        Path f = repoDir.resolve("refs").resolve(revision);
        Files.createDirectories(f.getParent());
        Path tmp = Files.createTempFile(f.getParent(), ".ref", ".tmp");
        Files.writeString(tmp, commit, StandardCharsets.UTF_8);
        Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Points {@code snapshots/COMMIT/FILE} at the blob: a relative symlink, or a copy where the file system has none. */
    void link(String commit, String file, String etag) throws IOException {
        Path target = snapshot(commit).resolve(file);
        Files.createDirectories(target.getParent());
        Files.deleteIfExists(target);
        Path blob = blob(etag);
        try {
            Files.createSymbolicLink(target, target.getParent().relativize(blob));
        } catch (UnsupportedOperationException | IOException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "no symlink for " + target + " (" + e + "): copying the blob");
            Files.copy(blob, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** An exclusive lock on a blob, so two processes do not download it into the same file. */
    Held lock(String etag) throws IOException {
        Files.createDirectories(locksDir);
        FileChannel ch = FileChannel.open(locksDir.resolve(etag + ".lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        try {
            FileLock lock = ch.lock();
            return () -> {
                lock.release();
                ch.close();
            };
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** A held lock; closing releases it. */
    interface Held extends AutoCloseable {
        @Override
        void close() throws IOException;
    }
}
