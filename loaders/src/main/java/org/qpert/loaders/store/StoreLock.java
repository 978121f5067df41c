package org.qpert.loaders.store;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The one-writer-per-store lock: an OS lock on {@code STORE/write.lock}, held from open to close of a writing
 * {@link EmbeddingStore}. The file holds its holder ({@code pid host start-time}) for the message a second writer
 * gets. The OS drops a lock when its process dies, so a lock file that still names a holder when we get the lock is
 * stale (a killed run) and is simply taken over. The file is never deleted: deleting it would let a second writer
 * lock a new file while the first still holds the old one.
 */
final class StoreLock implements AutoCloseable {
    static final String FILE = "write.lock";
    private static final System.Logger LOG = System.getLogger(StoreLock.class.getName());

    private final FileChannel channel;
    private final FileLock lock;

    private StoreLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock of store {@code dir} or throws {@link StoreLockedException} naming the writer that holds it. */
    static StoreLock acquire(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this JVM (another open writer on the same store)
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        if (lock == null) {
            String holder = read(ch);
            // The holder writes its name just after taking the lock: give it a moment before saying "unknown".
            for (int i = 0; i < 40 && holder.isEmpty(); i++) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
                holder = read(ch);
            }
            ch.close();
            throw new StoreLockedException(dir, holder.isEmpty() ? "another process" : describe(holder));
        }
        try {
            String me = self(); // before truncating: the host name lookup can be slow, and a waiting reader sees ""
            String previous = read(ch);
            if (!previous.isEmpty()) {
                LOG.log(System.Logger.Level.WARNING, "store " + dir + ": taking over the lock of an earlier run ("
                        + describe(previous) + ") that ended without releasing it");
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(me.getBytes(StandardCharsets.UTF_8)), 0);
            ch.force(false);
            return new StoreLock(ch, lock);
        } catch (IOException | RuntimeException e) {
            lock.release();
            ch.close();
            throw e;
        }
    }

    /** Clears the holder (so the next writer does not report a stale lock) and releases the OS lock. */
    @Override
    public void close() throws IOException {
        try {
            channel.truncate(0);
            lock.release();
        } finally {
            channel.close();
        }
    }

    private static String self() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "unknown-host";
        }
        Instant start = Instant.ofEpochMilli(ManagementFactory.getRuntimeMXBean().getStartTime())
                .truncatedTo(ChronoUnit.SECONDS);
        return ProcessHandle.current().pid() + " " + host + " " + start + "\n";
    }

    private static String read(FileChannel ch) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(512);
        ch.read(buf, 0);
        return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).trim();
    }

    /** "pid 123 on host h since T", plus "(not running)" for a pid of this host that no longer exists. */
    static String describe(String holder) {
        String[] p = holder.split("\\s+");
        if (p.length < 3) {
            return "'" + holder + "'";
        }
        String s = "pid " + p[0] + " on " + p[1] + " since " + p[2];
        try {
            boolean thisHost = p[1].equals(InetAddress.getLocalHost().getHostName());
            if (thisHost && ProcessHandle.of(Long.parseLong(p[0])).isEmpty()) {
                s += " (not running)";
            }
        } catch (IOException | NumberFormatException e) {
            // the message only; the OS lock decides
        }
        return s;
    }
}
