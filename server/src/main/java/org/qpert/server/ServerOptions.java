package org.qpert.server;

import java.time.Duration;

/**
 * Limits and sizes of a {@link QPertServer}.
 *
 * @param host          address to bind (127.0.0.1 by default: put a proxy in front to expose it)
 * @param port          TCP port; 0 picks a free one
 * @param workers       requests that run the model at once
 * @param queue         requests that may wait for a worker; more are answered 503 at once
 * @param maxBodyBytes  largest request body (a base64 image inflates it by 4/3); larger ones get 413
 * @param maxImagePixels largest uploaded image (width × height, read from its header before decoding); larger 413
 * @param maxTop        largest "top"
 * @param maxRerank     largest "rerank"
 * @param drain         how long close() lets running requests finish (writes always finish)
 */
public record ServerOptions(String host, int port, int workers, int queue, long maxBodyBytes, long maxImagePixels,
                            int maxTop, int maxRerank, Duration drain) {
    public ServerOptions {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not in 0..65535");
        }
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1, got " + workers);
        }
        if (queue < 0) {
            throw new IllegalArgumentException("queue must be >= 0, got " + queue);
        }
        if (maxBodyBytes < 1024) {
            throw new IllegalArgumentException("max body must be at least 1 KiB, got " + maxBodyBytes + " bytes");
        }
        if (maxImagePixels < 1 || maxTop < 1 || maxRerank < 0) {
            throw new IllegalArgumentException("max pixels and max top must be positive, max rerank >= 0");
        }
    }

    /** 127.0.0.1:8080, one worker per two cores (each model call is itself parallel), 64 waiting, 16 MiB bodies. */
    public static ServerOptions defaults() {
        return new ServerOptions("127.0.0.1", 8080, Math.max(1, Runtime.getRuntime().availableProcessors() / 2), 64,
                16L << 20, 40_000_000L, 100, 256, Duration.ofSeconds(30));
    }

    public ServerOptions withPort(int p) {
        return new ServerOptions(host, p, workers, queue, maxBodyBytes, maxImagePixels, maxTop, maxRerank, drain);
    }

    public ServerOptions withHost(String h) {
        return new ServerOptions(h, port, workers, queue, maxBodyBytes, maxImagePixels, maxTop, maxRerank, drain);
    }

    public ServerOptions withPool(int w, int q) {
        return new ServerOptions(host, port, w, q, maxBodyBytes, maxImagePixels, maxTop, maxRerank, drain);
    }

    public ServerOptions withMaxBodyBytes(long b) {
        return new ServerOptions(host, port, workers, queue, b, maxImagePixels, maxTop, maxRerank, drain);
    }

    public ServerOptions withDrain(Duration d) {
        return new ServerOptions(host, port, workers, queue, maxBodyBytes, maxImagePixels, maxTop, maxRerank, d);
    }
}
