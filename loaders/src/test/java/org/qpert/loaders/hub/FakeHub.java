package org.qpert.loaders.hub;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Hub's file protocol on 127.0.0.1, as huggingface.co speaks it: the repo info API, HEAD/GET on resolve URLs with
 * X-Repo-Commit and ETag, and for LFS files a 302 to a second server (the "CDN", another host:port) carrying
 * X-Linked-Etag and X-Linked-Size; the CDN honours Range. Faults on demand: a cut first download, a wrong SHA, 401.
 */
final class FakeHub implements AutoCloseable {
    record Served(String method, String server, String path, String authorization, String range) {
    }

    final String commit;
    final Map<String, byte[]> files = new LinkedHashMap<>();
    final Map<String, Boolean> lfs = new LinkedHashMap<>();
    final List<Served> log = Collections.synchronizedList(new ArrayList<>());
    final String repo;
    volatile int forcedStatus;
    volatile boolean cutFirstDownload;
    /** The first CDN download sends half its body, then goes silent (connection open) until the hub closes. */
    volatile boolean stallFirstDownload;
    private final java.util.concurrent.CountDownLatch closing = new java.util.concurrent.CountDownLatch(1);
    volatile String announcedShaOverride;
    private final AtomicInteger cdnGets = new AtomicInteger();
    private final HttpServer hub;
    private final HttpServer cdn;

    FakeHub(String repo, String commit) throws IOException {
        this.repo = repo;
        this.commit = commit;
        hub = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        cdn = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        hub.createContext("/", this::hub);
        cdn.createContext("/", this::cdn);
        hub.setExecutor(Executors.newFixedThreadPool(2));
        cdn.setExecutor(Executors.newFixedThreadPool(2));
        hub.start();
        cdn.start();
    }

    FakeHub file(String name, byte[] content, boolean isLfs) {
        files.put(name, content);
        lfs.put(name, isLfs);
        return this;
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + hub.getAddress().getPort());
    }

    long count(String method, String server, String pathPart) {
        synchronized (log) {
            return log.stream().filter(s -> s.method().equals(method) && s.server().equals(server)
                    && s.path().contains(pathPart)).count();
        }
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** What git names a blob: SHA-1 of "blob LEN\0" + content, the Hub's ETag of a non-LFS file. */
    static String gitSha1(byte[] b) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-1");
            md.update(("blob " + b.length + "\0").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md.digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void record(HttpExchange ex, String server) {
        log.add(new Served(ex.getRequestMethod(), server, ex.getRequestURI().getPath(),
                ex.getRequestHeaders().getFirst("Authorization"), ex.getRequestHeaders().getFirst("Range")));
    }

    private void hub(HttpExchange ex) throws IOException {
        try (ex) {
            record(ex, "hub");
            if (forcedStatus != 0) {
                ex.sendResponseHeaders(forcedStatus, -1);
                return;
            }
            String path = ex.getRequestURI().getPath();
            if (path.equals("/api/models/" + repo + "/revision/main")) {
                StringBuilder json = new StringBuilder("{\"id\":\"" + repo + "\",\"sha\":\"" + commit
                        + "\",\"siblings\":[");
                String sep = "";
                for (String f : files.keySet()) {
                    json.append(sep).append("{\"rfilename\":\"").append(f).append("\"}");
                    sep = ",";
                }
                send(ex, 200, json.append("]}").toString().getBytes(StandardCharsets.UTF_8));
                return;
            }
            String prefix = "/" + repo + "/resolve/" + commit + "/";
            if (!path.startsWith(prefix) || !files.containsKey(path.substring(prefix.length()))) {
                ex.sendResponseHeaders(404, -1);
                return;
            }
            String name = path.substring(prefix.length());
            byte[] content = files.get(name);
            ex.getResponseHeaders().add("X-Repo-Commit", commit);
            if (lfs.get(name)) {
                String sha = announcedShaOverride != null ? announcedShaOverride : sha256(content);
                ex.getResponseHeaders().add("X-Linked-Etag", "\"" + sha + "\"");
                ex.getResponseHeaders().add("X-Linked-Size", Long.toString(content.length));
                ex.getResponseHeaders().add("ETag", "\"" + gitSha1(content) + "\"");
                ex.getResponseHeaders().add("Location",
                        "http://127.0.0.1:" + cdn.getAddress().getPort() + "/cdn/" + sha256(content));
                ex.sendResponseHeaders(302, -1);
                return;
            }
            ex.getResponseHeaders().add("ETag", "W/\"" + gitSha1(content) + "\"");
            if (ex.getRequestMethod().equals("HEAD")) {
                ex.getResponseHeaders().add("Content-Length", Long.toString(content.length));
                ex.sendResponseHeaders(200, -1);
            } else {
                send(ex, 200, content);
            }
        }
    }

    private void cdn(HttpExchange ex) throws IOException {
        try (ex) {
            record(ex, "cdn");
            String sha = ex.getRequestURI().getPath().substring("/cdn/".length());
            byte[] content = files.values().stream().filter(c -> sha256(c).equals(sha)).findFirst().orElse(null);
            if (content == null) {
                ex.sendResponseHeaders(404, -1);
                return;
            }
            String range = ex.getRequestHeaders().getFirst("Range");
            int from = range == null ? 0 : Integer.parseInt(range.replaceAll("bytes=(\\d+)-", "$1"));
            if (range != null) {
                ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (content.length - 1) + "/"
                        + content.length);
            }
            ex.sendResponseHeaders(range == null ? 200 : 206, content.length - from);
            OutputStream out = ex.getResponseBody();
            if (cutFirstDownload && cdnGets.getAndIncrement() == 0) {
                out.write(content, from, (content.length - from) / 2);
                out.flush();
                // Leaving the handler short of the announced length drops the connection, as a network cut would.
                return;
            }
            if (stallFirstDownload && cdnGets.getAndIncrement() == 0) {
                out.write(content, from, (content.length - from) / 2);
                out.flush();
                try {
                    closing.await(30, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return;
            }
            out.write(content, from, content.length - from);
        }
    }

    private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.sendResponseHeaders(status, body.length);
        ex.getResponseBody().write(body);
    }

    @Override
    public void close() {
        closing.countDown();
        hub.stop(0);
        cdn.stop(0);
        ((java.util.concurrent.ExecutorService) hub.getExecutor()).shutdownNow();
        ((java.util.concurrent.ExecutorService) cdn.getExecutor()).shutdownNow();
    }
}
